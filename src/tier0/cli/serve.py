"""`tier0 serve` and `tier0 migrate`."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import typer

from tier0.audit.changes import ChangedBy
from tier0.audit.prometheus import MULTIPROC_ENV
from tier0.cli.common import fail, load_settings, run
from tier0.container import Container
from tier0.logs import configure_logging
from tier0.services.key_schedule import rotate_aged_keys
from tier0.settings import Settings
from tier0.web.server import run_server


def migrate() -> None:
    """Create or upgrade the database schema (idempotent; safe from several nodes)."""

    async def work(_c: Container) -> None:
        typer.echo("database schema is up to date")

    run(work)


def prepare_multiprocess_metrics(settings: Settings) -> Path:
    """Give the workers one directory for prometheus-client's multiprocess mode, so each
    scrape of /metrics adds up every worker (an operator's PROMETHEUS_MULTIPROC_DIR wins).
    Files of an earlier run are removed: their counters belong to dead processes."""
    given = os.environ.get(MULTIPROC_ENV)
    directory = Path(given) if given else settings.data_dir / "prometheus"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def serve(
    host: str | None = typer.Option(None, "--host", help="Listen address (TIER0_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Listen port (TIER0_PORT)."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=64, help="Worker processes (TIER0_WORKERS)."
    ),
    tls_cert: Path | None = typer.Option(
        None, "--tls-cert", help="PEM certificate chain (TIER0_TLS_CERT_FILE)."
    ),
    tls_key: Path | None = typer.Option(
        None, "--tls-key", help="PEM private key (TIER0_TLS_KEY_FILE)."
    ),
    tls_self_signed: bool | None = typer.Option(
        None,
        "--tls-self-signed",
        help="Development: serve HTTPS with a generated localhost certificate.",
    ),
    http_redirect_port: int | None = typer.Option(
        None, "--http-redirect-port", help="Plain-HTTP port that only redirects to HTTPS."
    ),
) -> None:
    """Migrate if needed, create the default tenant on first start, and serve HTTP(S)."""
    settings = load_settings(
        host=host,
        port=port,
        workers=workers,
        tls_cert_file=tls_cert,
        tls_key_file=tls_key,
        tls_self_signed=tls_self_signed,
        http_redirect_port=http_redirect_port,
    )
    if settings.workers > 1 and not settings.redis_url:
        # DESIGN.md §6: in-process counters per worker would let N workers each allow every
        # rate limit and brute-force threshold in full.
        fail("--workers above 1 needs TIER0_REDIS_URL: rate limits and blocks must be shared")
    configure_logging(settings.log_level)

    async def prepare(c: Container) -> bool:
        _tenant, created = await c.tenants.ensure(
            settings.default_tenant, by=ChangedBy.system("bootstrap")
        )
        if settings.signing_key_max_age_days > 0:  # the signing-key schedule (JW-04)
            max_age = timedelta(days=settings.signing_key_max_age_days)
            scheduled = ChangedBy.system("key-schedule")
            tenants = await c.tenants.list()
            await rotate_aged_keys(c.keys, tenants, max_age, c.clock, by=scheduled)
        return created

    created = run(prepare, settings=settings)
    if settings.workers > 1:
        prepare_multiprocess_metrics(settings)
    # Workers are separate processes that read settings from the environment: hand the
    # command-line overrides down that way.
    for name in ("host", "port", "workers", "tls_self_signed"):
        os.environ[f"TIER0_{name.upper()}"] = str(getattr(settings, name))
    for name in ("tls_cert_file", "tls_key_file", "http_redirect_port"):
        if getattr(settings, name) is not None:
            os.environ[f"TIER0_{name.upper()}"] = str(getattr(settings, name))
    base = settings.tenant_base_url(settings.default_tenant)
    if created:
        typer.echo(f"created tenant {settings.default_tenant!r}")
    scheme = "https" if settings.serves_tls else "http"
    typer.echo(f"tier0 listening on {scheme}://{settings.host}:{settings.port}")
    if settings.http_redirect_port is not None:
        typer.echo(f"  redirect   http://{settings.host}:{settings.http_redirect_port} -> https")
    typer.echo(f"  issuer     {base}")
    typer.echo(f"  discovery  {base}/.well-known/openid-configuration")
    typer.echo(f"  sign in    {base}/login")
    typer.echo(f"  health     {settings.public_url}/healthz")
    run_server(settings, "tier0.web.asgi:app_from_env", workers=settings.workers)
