"""`tier0 incident ...`: incident response actions (runbook: docs/incident-response.md)."""

from __future__ import annotations

from dataclasses import asdict

import typer

from tier0.audit import Actor
from tier0.cli.common import JsonOption, TenantOption, emit, fail, run
from tier0.container import Container

app = typer.Typer(help="Incident response: lock down users, revoke sessions, rotate keys.",
                  no_args_is_help=True)  # fmt: skip
OPERATOR = Actor.system("cli")


@app.command("lockdown-user")
def lockdown_user(
    tenant: str = TenantOption,
    user: str = typer.Option(..., "--user", help="User id."),
    as_json: bool = JsonOption,
) -> None:
    """Block a user, require a password reset, end every session and revoke every grant and
    refresh token, in one transaction (recorded as incident.user_locked_down)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        report = await c.incident.lockdown_user(t.id, user, actor=OPERATOR)
        emit(asdict(report), as_json=as_json)

    run(work)


@app.command("revoke-sessions")
def revoke_sessions(
    tenant: str = TenantOption,
    user: str | None = typer.Option(None, "--user", help="Only this user's sessions."),
    all_: bool = typer.Option(False, "--all", help="Every session of the tenant."),
    as_json: bool = JsonOption,
) -> None:
    """End sessions: one user's (--user) or everyone's (--all)."""
    if (user is None) == (not all_):
        fail("give exactly one of --user or --all")

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        ended = await c.incident.revoke_sessions(t.id, actor=OPERATOR, user_id=user)
        emit({"sessions_ended": ended}, as_json=as_json)

    run(work)


@app.command("rotate-keys")
def rotate_keys(
    tenant: str = TenantOption,
    emergency: bool = typer.Option(False, "--emergency", help="Required: withdraw keys now."),
    alg: str | None = typer.Option(None, "--alg", help="Signing alg (default: the tenant's)."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: every issued token stops working."),
) -> None:
    """Emergency signing-key rotation: the old key is withdrawn at once."""
    if not (emergency and yes):
        fail("this withdraws the signing keys at once; pass --emergency --yes")

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.incident.rotate_keys(t.id, actor=OPERATOR, alg=alg)

    run(work)
    typer.echo(f"{tenant}: signing keys rotated, the previous ones withdrawn")
