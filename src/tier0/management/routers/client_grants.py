"""``/client-grants``: which application may get which scopes of which API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.pagination import PageParams, page_params
from tier0.management.responses import no_content
from tier0.management.routing import action, create, delete, id_path, listing, page_of
from tier0.management.schemas.apis import (
    ClientGrantCreate,
    ClientGrantOut,
    ClientGrantsPage,
    ClientGrantUpdate,
)
from tier0.views import grant_view
from tier0.web.deps import container_of

router = APIRouter(tags=["client-grants"])
GrantId = Annotated[str, id_path("grant's `id`")]


@listing(router, "/client-grants", list[ClientGrantOut] | ClientGrantsPage)
async def list_client_grants(
    request: Request,
    caller: Annotated[Principal, require("read:client_grants")],
    paging: PageParams = Depends(page_params),
    client_id: str | None = Query(None, min_length=1, max_length=64),
    audience: str | None = Query(None, min_length=1, max_length=600),
) -> Any:
    """List client grants, optionally for one application or one API."""
    grants = await container_of(request).client_grants.list(
        caller.tenant, client_id=client_id, audience=audience
    )
    return page_of("client_grants", grants, paging, grant_view)


@create(router, "/client-grants", ClientGrantOut, 404, 409)
async def create_client_grant(
    body: ClientGrantCreate,
    request: Request,
    caller: Annotated[Principal, require("create:client_grants", step_up=True)],
) -> Any:
    """Let an application use client credentials for an API with these scopes."""
    grant = await container_of(request).client_grants.create(
        caller.tenant, body.client_id, body.audience, body.scope, by=changed_by(request, caller)
    )
    return grant_view(grant)


@action(router, "PATCH", "/client-grants/{grant_id}", ClientGrantOut, 404)
async def update_client_grant(
    body: ClientGrantUpdate,
    request: Request,
    grant_id: GrantId,
    caller: Annotated[Principal, require("update:client_grants", step_up=True)],
) -> Any:
    """Replace a grant's scopes."""
    grant = await container_of(request).client_grants.update_scope(
        caller.tenant, grant_id, body.scope, by=changed_by(request, caller)
    )
    return grant_view(grant)


@delete(router, "/client-grants/{grant_id}")
async def delete_client_grant(
    request: Request,
    grant_id: GrantId,
    caller: Annotated[Principal, require("delete:client_grants")],
) -> Response:
    """Revoke a client grant."""
    await container_of(request).client_grants.delete(
        caller.tenant, grant_id, by=changed_by(request, caller)
    )
    return no_content()
