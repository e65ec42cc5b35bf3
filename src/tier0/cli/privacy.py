"""Privacy commands, registered under `tier0 user` and `tier0 tenant`: export a user's data
(DP-04), export all users (:mod:`tier0.cli.user_export`), erase a user (DP-05), destroy a
tenant (DP-03)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from tier0.cli.common import TenantOption, fail, run
from tier0.cli.secrets import operator
from tier0.cli.user_export import export_users
from tier0.container import Container
from tier0.jose.errors import InvalidJwt


def export_data(user_id: str, tenant: str = TenantOption) -> None:
    """Print one user's data (profile, sessions, consents, recent security events) as JSON."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        document = await c.privacy.exporter.user(t, user_id, actor=operator())
        typer.echo(json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2))

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


def export_tenant(
    name: str,
    file: Path,
    include_hashes: bool = typer.Option(
        False, "--include-hashes", help="Also export password hashes (a migration export)."
    ),
) -> None:
    """Write a signed archive of the tenant (config, users, audit log) to FILE (mode 0600)."""

    async def work(c: Container) -> None:
        token = await c.privacy.archiver.export(
            name, include_hashes=include_hashes, actor=operator()
        )
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(token + "\n")
        typer.echo(f"wrote {file}")

    run(work)


def import_tenant(
    file: Path,
    trust_jwks: Path | None = typer.Option(
        None, "--trust-jwks", help="JWKS of the exporting installation (default: this one's)."
    ),
) -> None:
    """Create the tenant and its users from a signed archive (signature checked first)."""
    token = file.read_text(encoding="ascii").strip()
    keys = None
    if trust_jwks is not None:
        keys = json.loads(trust_jwks.read_text(encoding="utf-8")).get("keys", [])

    async def work(c: Container) -> None:
        try:
            tenant, count = await c.privacy.archiver.import_(token, trusted_keys=keys)
        except InvalidJwt:
            fail("the archive's signature does not verify")
        typer.echo(f"imported tenant {tenant.name} with {count} user(s)")

    run(work)


def register(users: typer.Typer, tenants: typer.Typer) -> None:
    users.command("export-data")(export_data)
    users.command("export")(export_users)
    users.command("erase")(erase)
    tenants.command("destroy")(destroy)
    tenants.command("export")(export_tenant)
    tenants.command("import")(import_tenant)
