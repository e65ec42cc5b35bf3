"""`tier0 apply FILE`: declarative configuration."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import fail, run
from tier0.container import Container
from tier0.errors import Tier0Error
from tier0.services.config_as_code import Change, ConfigApplier, load_config


def _line(change: Change) -> str:
    where = f"[{change.tenant}] " if change.kind != "tenant" else ""
    extra = (
        f" client_id={change.client_id}" if change.client_id and change.action == "created" else ""
    )
    secret = f" client_secret={change.secret}" if change.secret else ""
    return f"{change.action} {change.kind} {where}{change.name}{extra}{secret}"


def apply(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as JSON."),
) -> None:
    """Create or update what FILE describes. Applying the same file again changes nothing."""
    try:
        doc = load_config(file)
    except Tier0Error as exc:
        fail(exc.message)

    async def work(c: Container) -> list[Change]:
        applier = ConfigApplier(
            c.tenants, c.tenant_settings, c.apis, c.applications, c.client_grants, c.users, c.hasher
        )
        return await applier.apply(doc, by=ChangedBy.cli("apply"))

    changes = run(work)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        k: v
                        for k, v in {
                            "action": ch.action,
                            "kind": ch.kind,
                            "name": ch.name,
                            "tenant": ch.tenant,
                            "client_id": ch.client_id,
                            "client_secret": ch.secret,
                        }.items()
                        if v is not None
                    }
                    for ch in changes
                ]
            )
        )
        return
    if not changes:
        typer.echo("no changes: everything already matches the file")
        return
    for change in changes:
        typer.echo(_line(change))
    typer.echo(f"{len(changes)} change(s) applied")
