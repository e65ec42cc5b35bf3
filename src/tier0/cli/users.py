"""`tier0 user ...`"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli import mfa as mfa_cli
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, read_secret_from_stdin, run
from tier0.container import Container
from tier0.services.users import UserSpec
from tier0.views import user_view

app = typer.Typer(help="Manage users.", no_args_is_help=True)


@app.command("create")
def create(
    tenant: str = TenantOption,
    email: str = typer.Option(..., "--email"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    verified: bool = typer.Option(False, "--verified", help="Mark the email as verified."),
    name: str | None = typer.Option(None, "--name"),
    as_json: bool = JsonOption,
) -> None:
    """Create a user (without a password unless --password-stdin)."""
    password = read_secret_from_stdin() if password_stdin else None

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        spec = UserSpec(email=email, password=password, email_verified=verified, name=name)
        user = await c.users.create(t, spec, by=ChangedBy.cli())
        emit(user_view(user), as_json=as_json)

    run(work)


@app.command("list")
def list_(
    tenant: str = TenantOption,
    page: int = typer.Option(0, "--page", min=0),
    per_page: int = typer.Option(50, "--per-page", min=1, max=1000),
    as_json: bool = JsonOption,
) -> None:
    """List users, oldest first."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        users = await c.users.list(t, offset=page * per_page, limit=per_page)
        emit_list(
            [user_view(u) for u in users],
            as_json=as_json,
            columns=["user_id", "email", "email_verified", "blocked"],
        )

    run(work)


@app.command("show")
def show(user_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Show one user (never a password hash)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        emit(user_view(await c.users.get(t, user_id)), as_json=as_json)

    run(work)


@app.command("block")
def block(user_id: str, tenant: str = TenantOption) -> None:
    """Block a user from signing in."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.users.set_blocked(t, user_id, True, by=ChangedBy.cli())
        typer.echo(f"blocked {user_id}")

    run(work)


@app.command("unblock")
def unblock(user_id: str, tenant: str = TenantOption) -> None:
    """Let a user sign in again: clear an administrator's block and lift the brute-force
    blocks of the user's sign-in identifier (every IP)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        user = await c.users.get(t, user_id)
        if user.blocked:
            await c.users.set_blocked(t, user_id, False, by=ChangedBy.cli())
        if not c.protection_blocks.shared:
            typer.echo(
                "note: in embedded mode brute-force blocks live in the server's memory; "
                "lift them with DELETE /api/v2/user-blocks/{id} or the user's unblock link",
                err=True,
            )
        else:
            await c.protection_blocks.unblock_user(t, user_id, by=ChangedBy.cli())
        typer.echo(f"unblocked {user_id}")

    run(work)


@app.command("delete")
def delete(user_id: str, tenant: str = TenantOption) -> None:
    """Delete a user."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.users.delete(t, user_id, by=ChangedBy.cli())
        typer.echo(f"deleted {user_id}")

    run(work)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    tenant: str = TenantOption,
    as_json: bool = JsonOption,
) -> None:
    """Import users from an Auth0 bulk-import JSON file (hashes included).

    Bad records are listed by index (0-based) with a reason and the good ones imported;
    users whose email already exists are skipped, so re-running a file is safe. Exit status:
    0 all imported or existing, 1 some records failed, 2 the file is unusable.
    """
    raw = file.read_bytes()

    async def work(c: Container) -> int:
        t = await c.tenants.get(tenant)
        summary = await c.user_import.run(t, raw, by=ChangedBy.cli(), ndjson=True)
        if as_json:
            typer.echo(json.dumps(summary.as_dict(), sort_keys=True))
        else:
            typer.echo(
                f"total: {summary.total}  inserted: {summary.inserted}  "
                f"existing: {summary.existing}  failed: {summary.failed}"
            )
            for problem in summary.problems:
                typer.echo(f"record {problem.index}: {problem.code}: {problem.reason}", err=True)
        return summary.failed

    if run(work):
        raise typer.Exit(code=1)


app.add_typer(mfa_cli.app, name="mfa")
