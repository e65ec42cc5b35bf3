"""``/clients`` and ``/clients/{id}/rotate-secret``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from tier0.domain import AppType, AuthMethod
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.pagination import PageParams, page_params
from tier0.management.responses import no_content
from tier0.management.routing import action, create, delete, id_path, listing, page_of, read
from tier0.management.schemas.clients import (
    ClientCreate,
    ClientOut,
    ClientsPage,
    ClientUpdate,
    ClientWithSecret,
)
from tier0.services.applications import ApplicationSpec
from tier0.views import application_view
from tier0.web.deps import container_of

router = APIRouter(tags=["clients"])
ClientId = Annotated[str, id_path("application's `client_id`")]
MAX_LISTED = 10_000


@listing(router, "/clients", list[ClientOut] | ClientsPage)
async def list_clients(
    request: Request,
    caller: Annotated[Principal, require("read:clients")],
    paging: PageParams = Depends(page_params),
) -> Any:
    """List applications (never their secrets)."""
    apps = await container_of(request).applications.list(caller.tenant, limit=MAX_LISTED)
    return page_of("clients", apps, paging, application_view)


@create(router, "/clients", ClientWithSecret, 409)
async def create_client(
    body: ClientCreate, request: Request, caller: Annotated[Principal, require("create:clients")]
) -> Any:
    """Create an application; a confidential one's secret is in this answer only."""
    spec = ApplicationSpec(
        name=body.name,
        app_type=AppType(body.app_type),
        callbacks=tuple(body.callbacks),
        allowed_logout_urls=tuple(body.allowed_logout_urls),
        web_origins=tuple(body.web_origins),
        grant_types=tuple(body.grant_types) if body.grant_types is not None else None,
        token_endpoint_auth_method=(
            AuthMethod(body.token_endpoint_auth_method) if body.token_endpoint_auth_method else None
        ),
        is_first_party=body.is_first_party,
        id_token_signed_response_alg=body.id_token_signed_response_alg,
    )
    created = await container_of(request).applications.create(
        caller.tenant, spec, by=changed_by(request, caller)
    )
    return application_view(created.application, client_secret=created.client_secret)


@read(router, "/clients/{client_id}", ClientOut)
async def get_client(
    request: Request,
    caller: Annotated[Principal, require("read:clients")],
    client_id: ClientId,
) -> Any:
    """Get one application."""
    return application_view(await container_of(request).applications.get(caller.tenant, client_id))


@action(router, "PATCH", "/clients/{client_id}", ClientOut, 404, 409)
async def update_client(
    body: ClientUpdate,
    request: Request,
    caller: Annotated[Principal, require("update:clients")],
    client_id: ClientId,
) -> Any:
    """Change an application's name, URLs, grant types or ID-token algorithm."""
    service = container_of(request).applications
    current = await service.get(caller.tenant, client_id)

    def pick(new: Sequence[str] | None, old: tuple[str, ...]) -> tuple[str, ...]:
        return old if new is None else tuple(new)

    spec = ApplicationSpec(
        name=body.name if body.name is not None else current.name,
        app_type=current.app_type,
        callbacks=pick(body.callbacks, current.callbacks),
        allowed_logout_urls=pick(body.allowed_logout_urls, current.allowed_logout_urls),
        web_origins=pick(body.web_origins, current.web_origins),
        grant_types=pick(body.grant_types, current.grant_types),
        token_endpoint_auth_method=current.token_endpoint_auth_method,
        is_first_party=(
            body.is_first_party if body.is_first_party is not None else current.is_first_party
        ),
        id_token_signed_response_alg=(
            body.id_token_signed_response_alg or current.id_token_signed_response_alg
        ),
    )
    updated = await service.update(caller.tenant, client_id, spec, by=changed_by(request, caller))
    return application_view(updated)


@delete(router, "/clients/{client_id}")
async def delete_client(
    request: Request,
    caller: Annotated[Principal, require("delete:clients")],
    client_id: ClientId,
) -> Response:
    """Delete an application and its grants."""
    await container_of(request).applications.delete(
        caller.tenant, client_id, by=changed_by(request, caller)
    )
    return no_content()


@action(router, "POST", "/clients/{client_id}/rotate-secret", ClientWithSecret, 404)
async def rotate_secret(
    request: Request,
    caller: Annotated[Principal, require("update:client_keys")],
    client_id: ClientId,
) -> Any:
    """Replace a confidential application's secret; the new one is in this answer only."""
    rotated = await container_of(request).applications.rotate_secret(
        caller.tenant, client_id, by=changed_by(request, caller)
    )
    return application_view(rotated.application, client_secret=rotated.client_secret)
