"""`tier0 key rotate-aged`: rotate signing keys that have been active too long."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import emit_list, run
from tier0.container import Container
from tier0.services.key_schedule import rotate_aged_keys


def rotate_aged(
    tenant: str | None = typer.Option(None, "--tenant", "-t", help="One tenant (default: all)."),
    max_age_days: int | None = typer.Option(
        None, "--if-older-than", min=1, help="Days (default: TIER0_SIGNING_KEY_MAX_AGE_DAYS)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Rotate every active signing key older than the limit (pre-publication rule kept)."""

    async def work(c: Container) -> None:
        days = max_age_days or c.settings.signing_key_max_age_days
        if days <= 0:
            typer.echo("automatic rotation is off (TIER0_SIGNING_KEY_MAX_AGE_DAYS=0)")
            return
        tenants = [await c.tenants.get(tenant)] if tenant else list(await c.tenants.list())
        max_age = timedelta(days=days)
        rotated = await rotate_aged_keys(c.keys, tenants, max_age, c.clock, by=ChangedBy.cli())
        rows = [
            {**asdict(r), "retired": ",".join(r.retired), "activated": ",".join(r.activated)}
            for r in rotated
        ]
        emit_list(rows, as_json=as_json, columns=["tenant", "alg", "activated", "retired"])

    run(work)


def register(keys: typer.Typer) -> None:
    keys.command("rotate-aged")(rotate_aged)
