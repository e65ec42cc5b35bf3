"""`tier0 app ...`"""

from __future__ import annotations

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, fail, run
from tier0.container import Container
from tier0.domain import AppType
from tier0.jose.algorithms import RS256
from tier0.services.applications import ApplicationSpec
from tier0.views import application_view

app = typer.Typer(help="Manage applications (OAuth clients).", no_args_is_help=True)


def _type(text: str) -> AppType:
    try:
        return AppType.parse(text)
    except ValueError:
        fail("--type must be web, spa, native or m2m")


@app.command("create")
def create(
    tenant: str = TenantOption,
    name: str = typer.Option(..., "--name"),
    app_type: str = typer.Option(..., "--type", help="web, spa, native or m2m."),
    callback: list[str] = typer.Option([], "--callback", help="Allowed redirect URI (repeat)."),
    logout_url: list[str] = typer.Option([], "--logout-url", help="Allowed logout URL (repeat)."),
    web_origin: list[str] = typer.Option([], "--web-origin", help="Allowed CORS origin (repeat)."),
    id_token_alg: str = typer.Option(
        RS256, "--id-token-alg", help="ID-token signature: RS256 (default), ES256, PS256, EdDSA."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Create an application. Web and m2m apps get a secret, printed this once."""
    kind = _type(app_type)

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        spec = ApplicationSpec(
            name=name,
            app_type=kind,
            callbacks=tuple(callback),
            allowed_logout_urls=tuple(logout_url),
            web_origins=tuple(web_origin),
            id_token_signed_response_alg=id_token_alg,
        )
        created = await c.applications.create(t, spec, by=ChangedBy.cli())
        emit(
            application_view(created.application, client_secret=created.client_secret),
            as_json=as_json,
        )

    run(work)


@app.command("list")
def list_(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """List applications."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        views = [application_view(a) for a in await c.applications.list(t, limit=1000)]
        emit_list(views, as_json=as_json, columns=["client_id", "name", "app_type"])

    run(work)


@app.command("show")
def show(client_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Show one application (never its secret)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        emit(application_view(await c.applications.get(t, client_id)), as_json=as_json)

    run(work)


@app.command("rotate-secret")
def rotate_secret(client_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Replace an application's secret; the old one stops working at once."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        rotated = await c.applications.rotate_secret(t, client_id, by=ChangedBy.cli())
        # Only the fact of the rotation is recorded, never the secret (LG-02).
        emit(
            application_view(rotated.application, client_secret=rotated.client_secret),
            as_json=as_json,
        )

    run(work)


@app.command("delete")
def delete(client_id: str, tenant: str = TenantOption) -> None:
    """Delete an application and its client grants."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.applications.delete(t, client_id, by=ChangedBy.cli())
        typer.echo(f"deleted application {client_id}")

    run(work)
