"""``/resource-servers`` (APIs). The built-in management API is listed but read-only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from tier0.domain import ApiScope
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.pagination import PageParams, page_params
from tier0.management.responses import no_content
from tier0.management.routing import action, create, delete, id_path, listing, page_of, read
from tier0.management.schemas.apis import (
    ResourceServerCreate,
    ResourceServerOut,
    ResourceServersPage,
    ResourceServerUpdate,
    ScopeIn,
)
from tier0.services.resource_servers import ApiSpec
from tier0.views import api_view
from tier0.web.deps import container_of

router = APIRouter(tags=["resource-servers"])
ApiId = Annotated[str, id_path("API's `id`")]


def _scopes(scopes: list[ScopeIn]) -> tuple[ApiScope, ...]:
    return tuple(ApiScope(s.value, s.description) for s in scopes)


@listing(router, "/resource-servers", list[ResourceServerOut] | ResourceServersPage)
async def list_resource_servers(
    request: Request,
    caller: Annotated[Principal, require("read:resource_servers")],
    paging: PageParams = Depends(page_params),
) -> Any:
    """List APIs, the system management API included."""
    apis = await container_of(request).apis.list(caller.tenant)
    return page_of("resource_servers", apis, paging, api_view)


@create(router, "/resource-servers", ResourceServerOut, 409)
async def create_resource_server(
    body: ResourceServerCreate,
    request: Request,
    caller: Annotated[Principal, require("create:resource_servers")],
) -> Any:
    """Create an API."""
    spec = ApiSpec(**body.model_dump(exclude={"scopes"}), scopes=_scopes(body.scopes))
    api = await container_of(request).apis.create(
        caller.tenant, spec, by=changed_by(request, caller)
    )
    return api_view(api)


@read(router, "/resource-servers/{api_id}", ResourceServerOut)
async def get_resource_server(
    request: Request,
    api_id: ApiId,
    caller: Annotated[Principal, require("read:resource_servers")],
) -> Any:
    """Get one API by id."""
    return api_view(await container_of(request).apis.get(caller.tenant, api_id))


@action(router, "PATCH", "/resource-servers/{api_id}", ResourceServerOut, 404)
async def update_resource_server(
    body: ResourceServerUpdate,
    request: Request,
    api_id: ApiId,
    caller: Annotated[Principal, require("update:resource_servers")],
) -> Any:
    """Change an API; its identifier stays."""
    service = container_of(request).apis
    current = await service.get(caller.tenant, api_id)
    sent = body.model_dump(exclude_unset=True, exclude_none=True, exclude={"scopes"})
    spec = ApiSpec(
        name=sent.get("name", current.name),
        identifier=current.identifier,
        scopes=_scopes(body.scopes) if body.scopes is not None else current.scopes,
        signing_alg=sent.get("signing_alg", current.signing_alg),
        token_lifetime=sent.get("token_lifetime", current.token_lifetime),
        allow_offline_access=sent.get("allow_offline_access", current.allow_offline_access),
        enforce_policies=sent.get("enforce_policies", current.enforce_policies),
        token_dialect=sent.get("token_dialect", current.token_dialect),
    )
    updated = await service.update(caller.tenant, api_id, spec, by=changed_by(request, caller))
    return api_view(updated)


@delete(router, "/resource-servers/{api_id}")
async def delete_resource_server(
    request: Request,
    api_id: ApiId,
    caller: Annotated[Principal, require("delete:resource_servers")],
) -> Response:
    """Delete an API with its grants and permissions."""
    await container_of(request).apis.delete(caller.tenant, api_id, by=changed_by(request, caller))
    return no_content()
