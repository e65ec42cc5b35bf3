"""Privacy commands, registered under `tier0 user` and `tier0 tenant`: export a user's data
(DP-04), export all users as NDJSON, erase a user (DP-05), destroy a tenant (DP-03)."""

from __future__ import annotations

import json

import typer

from tier0.cli.common import TenantOption, fail, run
from tier0.cli.secrets import operator
from tier0.container import Container


def export_data(user_id: str, tenant: str = TenantOption) -> None:
    """Print one user's data (profile, sessions, consents, recent security events) as JSON."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        document = await c.privacy.exporter.user(t, user_id, actor=operator())
        typer.echo(json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2))

    run(work)


def export_users(tenant: str = TenantOption) -> None:
    """Print every user of the tenant as NDJSON (one JSON object a line), without hashes."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        async for user in c.privacy.exporter.all_users(t, actor=operator()):
            typer.echo(json.dumps(user, ensure_ascii=False, sort_keys=True))

    run(work)


def erase(user_id: str, tenant: str = TenantOption) -> None:
    """Erase a user: their row, sessions, grants and tokens; the audit log keeps a pseudonym."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        report = await c.privacy.eraser.erase(t, user_id, actor=operator())
        typer.echo(
            f"erased {user_id} (audit pseudonym {report.pseudonym}; {report.sessions} "
            f"session(s), {report.grants} grant(s), {report.refresh_tokens} refresh token(s))"
        )

    run(work)


def destroy(
    name: str,
    yes: bool = typer.Option(False, "--yes", help="Confirm: the tenant's data is unrecoverable."),
) -> None:
    """Delete every row of a tenant, crypto-shred its data key (older backups included) and
    print a signed destruction certificate."""
    if not yes:
        fail("destroying a tenant makes its data unrecoverable, even from backups; add --yes")

    async def work(c: Container) -> None:
        certificate = await c.privacy.destroyer.destroy(name)
        typer.echo(json.dumps(certificate.claims, sort_keys=True, indent=2))
        typer.echo(certificate.token)

    run(work)


def register(users: typer.Typer, tenants: typer.Typer) -> None:
    users.command("export-data")(export_data)
    users.command("export")(export_users)
    users.command("erase")(erase)
    tenants.command("destroy")(destroy)
