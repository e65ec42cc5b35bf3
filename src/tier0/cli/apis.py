"""`tier0 api ...`"""

from __future__ import annotations

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, run
from tier0.container import Container
from tier0.domain import ApiScope
from tier0.services.resource_servers import ApiSpec
from tier0.views import api_view

app = typer.Typer(help="Manage APIs (resource servers / audiences).", no_args_is_help=True)


@app.command("create")
def create(
    tenant: str = TenantOption,
    name: str = typer.Option(..., "--name"),
    identifier: str = typer.Option(..., "--identifier", help="The audience, e.g. a URL."),
    scope: list[str] = typer.Option([], "--scope", help="A permission the API defines (repeat)."),
    signing_alg: str = typer.Option("RS256", "--signing-alg", help="RS256, ES256, PS256, EdDSA."),
    token_lifetime: int = typer.Option(600, "--token-lifetime", help="Access token seconds."),
    offline_access: bool = typer.Option(False, "--offline-access", help="Allow refresh tokens."),
    rbac: bool = typer.Option(False, "--rbac", help="Enforce end-user RBAC (permissions)."),
    as_json: bool = JsonOption,
) -> None:
    """Create an API."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        spec = ApiSpec(
            name=name,
            identifier=identifier,
            scopes=tuple(ApiScope(s) for s in scope),
            signing_alg=signing_alg,
            token_lifetime=token_lifetime,
            allow_offline_access=offline_access,
            enforce_policies=rbac,
            token_dialect="rfc9068_profile_authz" if rbac else "rfc9068_profile",
        )
        api = await c.apis.create(t, spec, by=ChangedBy.cli())
        emit(api_view(api), as_json=as_json)

    run(work)


@app.command("list")
def list_(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """List APIs."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        views = [api_view(a) for a in await c.apis.list(t)]
        emit_list(views, as_json=as_json, columns=["id", "name", "identifier", "signing_alg"])

    run(work)


@app.command("show")
def show(api_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Show one API by id."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        emit(api_view(await c.apis.get(t, api_id)), as_json=as_json)

    run(work)


@app.command("delete")
def delete(api_id: str, tenant: str = TenantOption) -> None:
    """Delete an API and the client grants for it."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.apis.delete(t, api_id, by=ChangedBy.cli())
        typer.echo(f"deleted API {api_id}")

    run(work)
