"""`tier0 session ...`: a user's sign-in sessions and refresh-token families, through the
same service as the management API's ``/users/{id}/sessions``, ``/sessions/{id}``,
``/users/{id}/refresh-tokens`` and ``/refresh-tokens/{id}``."""

from __future__ import annotations

import typer

from tier0.cli.audited import CLI_ACTOR
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, run
from tier0.container import Container
from tier0.views import iso

app = typer.Typer(help="List and end users' sessions and refresh tokens.", no_args_is_help=True)
UserOption = typer.Option(..., "--user", "-u", help="The user's user_id.")


@app.command("list")
def list_(user: str = UserOption, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """The user's live sign-in sessions."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        views = [
            {
                "id": s.sid,
                "authenticated_at": iso(s.auth_time),
                "last_seen_at": iso(s.last_seen_at),
                "expires_at": iso(s.expires_at),
                "amr": list(s.amr),
            }
            for s in await c.user_sessions.sessions(t, user)
        ]
        emit_list(views, as_json=as_json, columns=["id", "authenticated_at", "expires_at"])

    run(work)


@app.command("revoke")
def revoke(
    session_id: str = typer.Argument(None, help="One session's id; omit with --all."),
    user: str | None = typer.Option(None, "--user", "-u", help="With --all: the user."),
    everywhere: bool = typer.Option(False, "--all", help="Every session of --user."),
    tenant: str = TenantOption,
) -> None:
    """End a session (or all of a user's) and revoke the refresh tokens issued from it."""
    if everywhere == (session_id is not None) or (everywhere and not user):
        raise typer.BadParameter("give a session id, or --all with --user")

    async def work(c: Container) -> int:
        t = await c.tenants.get(tenant)
        if everywhere and user:
            return await c.user_sessions.end_user_sessions(t, user, actor=CLI_ACTOR)
        await c.user_sessions.end_session(t, session_id, actor=CLI_ACTOR)
        return 1

    emit({"sessions_ended": run(work)}, as_json=False)


@app.command("tokens")
def tokens(user: str = UserOption, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """The user's live refresh-token families (the id stays the same across rotations)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        views = [
            {
                "id": f.grant.id,
                "client_id": f.grant.client_id,
                "session_id": f.grant.session_id,
                "created_at": iso(f.grant.created_at),
                "expires_at": iso(f.token.expires_at),
            }
            for f in await c.user_sessions.refresh_tokens(t, user)
        ]
        emit_list(views, as_json=as_json, columns=["id", "client_id", "expires_at"])

    run(work)


@app.command("revoke-token")
def revoke_token(token_id: str, tenant: str = TenantOption) -> None:
    """Revoke a refresh-token family: every token of it and its grant."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.user_sessions.revoke_refresh_token(t, token_id, actor=CLI_ACTOR)

    run(work)
    typer.echo(f"revoked {token_id}")
