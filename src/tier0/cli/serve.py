"""`tier0 serve` and `tier0 migrate`."""

from __future__ import annotations

import os
from datetime import timedelta

import typer
import uvicorn

from tier0.cli.common import fail, load_settings, run
from tier0.container import Container
from tier0.logs import configure_logging
from tier0.services.key_schedule import rotate_aged_keys


def migrate() -> None:
    """Create or upgrade the database schema (idempotent; safe from several nodes)."""

    async def work(_c: Container) -> None:
        typer.echo("database schema is up to date")

    run(work)


def serve(
    host: str | None = typer.Option(None, "--host", help="Listen address (TIER0_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Listen port (TIER0_PORT)."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
) -> None:
    """Migrate if needed, create the default tenant on first start, and serve HTTP."""
    settings = load_settings(host=host, port=port)
    if workers > 1 and not settings.redis_url:
        # DESIGN.md §6: in-process counters per worker would let N workers each allow every
        # rate limit and brute-force threshold in full.
        fail("--workers above 1 needs TIER0_REDIS_URL: rate limits and blocks must be shared")
    configure_logging(settings.log_level)

    async def prepare(c: Container) -> bool:
        _tenant, created = await c.tenants.ensure(settings.default_tenant)
        if settings.signing_key_max_age_days > 0:  # the signing-key schedule (JW-04)
            max_age = timedelta(days=settings.signing_key_max_age_days)
            await rotate_aged_keys(c.keys, await c.tenants.list(), max_age, c.clock)
        return created

    created = run(prepare, settings=settings)
    # Workers are separate processes that read settings from the environment: hand the
    # command-line overrides down that way.
    os.environ["TIER0_HOST"] = settings.host
    os.environ["TIER0_PORT"] = str(settings.port)
    base = settings.tenant_base_url(settings.default_tenant)
    if created:
        typer.echo(f"created tenant {settings.default_tenant!r}")
    typer.echo(f"tier0 listening on http://{settings.host}:{settings.port}")
    typer.echo(f"  issuer     {base}")
    typer.echo(f"  discovery  {base}/.well-known/openid-configuration")
    typer.echo(f"  sign in    {base}/login")
    typer.echo(f"  health     {settings.public_url}/healthz")
    uvicorn.run(
        "tier0.web.asgi:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
        timeout_graceful_shutdown=10,
    )
