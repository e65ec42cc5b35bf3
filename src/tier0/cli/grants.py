"""`tier0 grant ...`"""

from __future__ import annotations

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, run
from tier0.container import Container
from tier0.views import grant_view

app = typer.Typer(help="Manage client grants (client credentials access).", no_args_is_help=True)


@app.command("create")
def create(
    tenant: str = TenantOption,
    client_id: str = typer.Option(..., "--client-id"),
    api: str = typer.Option(..., "--api", help="The API identifier (audience)."),
    scope: list[str] = typer.Option([], "--scope", help="A granted scope (repeat)."),
    as_json: bool = JsonOption,
) -> None:
    """Let an application get tokens for an API with the client credentials grant."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        grant = await c.client_grants.create(t, client_id, api, scope, by=ChangedBy.cli())
        emit(grant_view(grant), as_json=as_json)

    run(work)


@app.command("list")
def list_(
    tenant: str = TenantOption,
    client_id: str | None = typer.Option(None, "--client-id"),
    as_json: bool = JsonOption,
) -> None:
    """List client grants."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        views = [grant_view(g) for g in await c.client_grants.list(t, client_id=client_id)]
        emit_list(views, as_json=as_json, columns=["id", "client_id", "audience", "scope"])

    run(work)


@app.command("show")
def show(grant_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Show one client grant."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        emit(grant_view(await c.client_grants.get(t, grant_id)), as_json=as_json)

    run(work)


@app.command("delete")
def delete(grant_id: str, tenant: str = TenantOption) -> None:
    """Delete a client grant."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.client_grants.delete(t, grant_id, by=ChangedBy.cli())
        typer.echo(f"deleted client grant {grant_id}")

    run(work)
