"""`tier0 tenant ...`"""

from __future__ import annotations

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import JsonOption, emit, emit_list, run
from tier0.container import Container
from tier0.services.tenant_settings import TenantSettingsChange
from tier0.views import tenant_view

app = typer.Typer(help="Manage tenants (isolated identity domains).", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Tenant name: 3-63 lowercase letters, digits, hyphens."),
    display_name: str | None = typer.Option(None, "--display-name"),
    as_json: bool = JsonOption,
) -> None:
    """Create a tenant."""

    async def work(c: Container) -> None:
        tenant = await c.tenants.create(name, display_name=display_name, by=ChangedBy.cli())
        emit(tenant_view(tenant, issuer=c.settings.tenant_base_url(name)), as_json=as_json)

    run(work)


@app.command("list")
def list_(as_json: bool = JsonOption) -> None:
    """List tenants."""

    async def work(c: Container) -> None:
        views = [
            tenant_view(t, issuer=c.settings.tenant_base_url(t.name))
            for t in await c.tenants.list()
        ]
        emit_list(views, as_json=as_json, columns=["name", "display_name", "issuer"])

    run(work)


@app.command("show")
def show(name: str, as_json: bool = JsonOption) -> None:
    """Show one tenant."""

    async def work(c: Container) -> None:
        tenant = await c.tenants.get(name)
        emit(tenant_view(tenant, issuer=c.settings.tenant_base_url(name)), as_json=as_json)

    run(work)


@app.command("delete")
def delete(
    name: str,
    yes: bool = typer.Option(False, "--yes", help="Confirm: everything in the tenant goes."),
) -> None:
    """Delete a tenant with all its applications, APIs, users and keys."""
    if not yes:
        typer.echo("error: deleting a tenant destroys all its data; add --yes to confirm", err=True)
        raise typer.Exit(code=2)

    async def work(c: Container) -> None:
        await c.tenants.delete(name, by=ChangedBy.cli())
        typer.echo(f"deleted tenant {name}")

    run(work)


@app.command("set")
def set_switches(
    name: str,
    signup: bool | None = typer.Option(
        None, "--signup/--no-signup", help="Let visitors create accounts on the sign-in page."
    ),
    require_verified_email: bool | None = typer.Option(
        None,
        "--require-verified-email/--no-require-verified-email",
        help="A sign-in completes only once the user's address is verified.",
    ),
    idle_session_lifetime: float | None = typer.Option(
        None,
        "--idle-session-lifetime",
        help="Hours a sign-in session may go unused (0.5 = 30 min; SE-03).",
    ),
    session_lifetime: float | None = typer.Option(
        None,
        "--session-lifetime",
        help="Hours after sign-in at which a session ends, however active (SE-03).",
    ),
    default_signing_alg: str | None = typer.Option(
        None,
        "--default-signing-alg",
        help="RS256, ES256, PS256 or EdDSA: signs tokens no API or application chose for.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Change a tenant's settings: sign-up, required email verification, session
    timeouts and default signing algorithm. With no option, show them."""
    change = TenantSettingsChange(
        signup=signup,
        require_verified_email=require_verified_email,
        idle_session_lifetime=idle_session_lifetime,
        session_lifetime=session_lifetime,
        default_signing_alg=default_signing_alg,
    )

    async def work(c: Container) -> None:
        tenant = await c.tenants.get(name)
        tenant = await c.tenant_settings.update(tenant, change, by=ChangedBy.cli())
        emit({"name": tenant.name, **c.tenant_settings.view(tenant)}, as_json=as_json)

    run(work)
