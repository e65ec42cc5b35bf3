"""Privacy commands, registered under `tier0 user` and `tier0 tenant`: export a user's data
(DP-04), export all users (:mod:`tier0.cli.user_export`), erase a user (DP-05), destroy a
tenant (DP-03)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import TenantOption, fail, read_secret_from_stdin, run
from tier0.cli.secrets import operator
from tier0.cli.user_export import export_users
from tier0.container import Container
from tier0.jose.errors import InvalidJwt
from tier0.privacy.user_keys import set_per_user_keys
from tier0.storage.sql.repos.users import rekey_users


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
        if report.counters_cleared is None:
            typer.echo("attack-protection counters not cleared: the counter store is down")
        else:
            typer.echo(f"{report.counters_cleared} attack-protection counter(s) cleared")
        if report.kek is not None:
            destroyed = ", ".join(report.kek["destroyed"]) or "none (destroy them in the KMS)"
            typer.echo(f"user key shredded; KEK now {report.kek['current']}, old: {destroyed}")

    run(work)


def per_user_keys(
    name: str,
    on: bool = typer.Option(
        ..., "--on/--off", help="Give every user a data key of their own (crypto-shredding)."
    ),
    rekey: bool = typer.Option(
        True, "--rekey/--no-rekey", help="With --on: move existing users to own keys now."
    ),
) -> None:
    """Turn per-user PII keys on or off for a tenant (setting privacy.per_user_keys)."""

    async def work(c: Container) -> None:
        tenant = await c.tenants.get(name)
        await set_per_user_keys(c.db, c.audit, c.clock, tenant, enabled=on, actor=operator())
        moved = await rekey_users(c.db, tenant.id) if on and rekey else 0
        state = "on" if on else "off"
        typer.echo(f"per-user keys {state} for {name}; {moved} existing user(s) re-keyed")

    run(work)


def rekey(tenant: str = TenantOption) -> None:
    """Move users still sealed under the tenant key to keys of their own (idempotent)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        typer.echo(f"re-keyed {await rekey_users(c.db, t.id)} user(s)")

    run(work)


def shred_keys(tenant: str = TenantOption) -> None:
    """Replace the tenant's user-key wrapping key and shred the KEK, as an erasure does (to
    finish one that failed half-way, or after users were deleted through the API)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        kek = await c.privacy.eraser.shred_user_keys(t.id)
        destroyed = ", ".join(kek["destroyed"]) or "none (destroy them in the KMS)"
        typer.echo(
            f"user-key wrapping key now v{kek['user_wrap_key_version']}; "
            f"KEK now {kek['current']}, old: {destroyed}"
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
        certificate = await c.privacy.destroyer.destroy(name, by=ChangedBy.cli())
        typer.echo(json.dumps(certificate.claims, sort_keys=True, indent=2))
        typer.echo(certificate.token)

    run(work)


def export_tenant(
    name: str,
    file: Path,
    include_hashes: bool = typer.Option(
        False, "--include-hashes", help="Also export password hashes (a migration export)."
    ),
    passphrase_stdin: bool = typer.Option(
        False, "--passphrase-stdin", help="Include the stored secrets, sealed under a passphrase."
    ),
) -> None:
    """Write a signed archive of the tenant (settings, applications, APIs, grants, roles,
    users, streams, secret names, audit log) to FILE (mode 0600)."""
    passphrase = read_secret_from_stdin().encode() if passphrase_stdin else None

    async def work(c: Container) -> None:
        token = await c.privacy.archiver.export(
            name, include_hashes=include_hashes, actor=operator(), passphrase=passphrase
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
    passphrase_stdin: bool = typer.Option(
        False, "--passphrase-stdin", help="The passphrase the archive's secrets are sealed under."
    ),
) -> None:
    """Restore a tenant from a signed archive (signature checked first). Confidential
    applications get new client secrets, printed once."""
    token = file.read_text(encoding="ascii").strip()
    passphrase = read_secret_from_stdin().encode() if passphrase_stdin else None
    keys = None
    if trust_jwks is not None:
        keys = json.loads(trust_jwks.read_text(encoding="utf-8")).get("keys", [])

    async def work(c: Container) -> None:
        try:
            report = await c.privacy.archiver.import_(
                token, trusted_keys=keys, passphrase=passphrase, actor=operator()
            )
        except InvalidJwt:
            fail("the archive's signature does not verify")
        typer.echo(f"imported tenant {report.tenant.name} with {report.users} user(s)")
        for client_id, secret in sorted(report.client_secrets.items()):
            typer.echo(f"new client secret for {client_id}: {secret}")
        for stream in report.paused_streams:
            typer.echo(f"log stream {stream} paused: its secret was not in the archive")

    run(work)


def register(users: typer.Typer, tenants: typer.Typer) -> None:
    users.command("export-data")(export_data)
    users.command("export")(export_users)
    users.command("erase")(erase)
    users.command("rekey")(rekey)
    users.command("shred-keys")(shred_keys)
    tenants.command("per-user-keys")(per_user_keys)
    tenants.command("destroy")(destroy)
    tenants.command("export")(export_tenant)
    tenants.command("import")(import_tenant)
