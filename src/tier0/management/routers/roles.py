"""``/roles``, ``/roles/{id}/permissions`` and ``/roles/{id}/users``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.pagination import PageParams, page_params
from tier0.management.responses import no_content
from tier0.management.routing import action, create, delete, empty, id_path, listing, page_of, read
from tier0.management.schemas.common import PermissionOut, PermissionsBody, permission_views
from tier0.management.schemas.roles import (
    RoleCreate,
    RoleMember,
    RoleOut,
    RolesPage,
    RoleUpdate,
    RoleUsersBody,
)
from tier0.views import role_view
from tier0.web.deps import container_of

router = APIRouter(tags=["roles"])
RoleId = Annotated[str, id_path("role's `id`")]


@listing(router, "/roles", list[RoleOut] | RolesPage)
async def list_roles(
    request: Request,
    caller: Annotated[Principal, require("read:roles")],
    paging: PageParams = Depends(page_params),
) -> Any:
    """List roles."""
    roles = await container_of(request).roles.list(caller.tenant)
    return page_of("roles", roles, paging, role_view)


@create(router, "/roles", RoleOut, 409)
async def create_role(
    body: RoleCreate, request: Request, caller: Annotated[Principal, require("create:roles")]
) -> Any:
    """Create a role."""
    role = await container_of(request).roles.create(
        caller.tenant, body.name, body.description, by=changed_by(request, caller)
    )
    return role_view(role)


@read(router, "/roles/{role_id}", RoleOut)
async def get_role(
    request: Request,
    caller: Annotated[Principal, require("read:roles")],
    role_id: RoleId,
) -> Any:
    """Get one role."""
    return role_view(await container_of(request).roles.get(caller.tenant, role_id))


@action(router, "PATCH", "/roles/{role_id}", RoleOut, 404, 409)
async def update_role(
    body: RoleUpdate,
    request: Request,
    caller: Annotated[Principal, require("update:roles")],
    role_id: RoleId,
) -> Any:
    """Rename a role or change its description."""
    role = await container_of(request).roles.update(
        caller.tenant,
        role_id,
        name=body.name,
        description=body.description,
        by=changed_by(request, caller),
    )
    return role_view(role)


@delete(router, "/roles/{role_id}")
async def delete_role(
    request: Request,
    caller: Annotated[Principal, require("delete:roles")],
    role_id: RoleId,
) -> Response:
    """Delete a role; its members lose its permissions."""
    await container_of(request).roles.delete(caller.tenant, role_id, by=changed_by(request, caller))
    return no_content()


@read(router, "/roles/{role_id}/permissions", list[PermissionOut])
async def role_permissions(
    request: Request,
    caller: Annotated[Principal, require("read:roles")],
    role_id: RoleId,
) -> Any:
    """Permissions a role carries."""
    held = await container_of(request).roles.permissions(caller.tenant, role_id)
    return permission_views(held)


@empty(router, "POST", "/roles/{role_id}/permissions", status=201)
async def add_role_permissions(
    body: PermissionsBody,
    request: Request,
    caller: Annotated[Principal, require("update:roles", step_up=True)],
    role_id: RoleId,
) -> Response:
    """Add permissions to a role."""
    await container_of(request).roles.add_permissions(
        caller.tenant, role_id, body.as_permissions(), by=changed_by(request, caller)
    )
    return Response(status_code=201)


@delete(router, "/roles/{role_id}/permissions")
async def remove_role_permissions(
    body: PermissionsBody,
    request: Request,
    caller: Annotated[Principal, require("update:roles")],
    role_id: RoleId,
) -> Response:
    """Remove permissions from a role."""
    await container_of(request).roles.remove_permissions(
        caller.tenant, role_id, body.as_permissions(), by=changed_by(request, caller)
    )
    return no_content()


@read(router, "/roles/{role_id}/users", list[RoleMember])
async def role_users(
    request: Request,
    caller: Annotated[Principal, require("read:role_members")],
    role_id: RoleId,
) -> Any:
    """Users holding a role."""
    c = container_of(request)
    members = []
    for user_id in await c.roles.members(caller.tenant, role_id):
        user = await c.users.get(caller.tenant, user_id)
        members.append({"user_id": user.user_id, "email": user.email, "name": user.name})
    return members


@empty(router, "POST", "/roles/{role_id}/users")
async def assign_role_users(
    body: RoleUsersBody,
    request: Request,
    caller: Annotated[Principal, require("create:role_members", step_up=True)],
    role_id: RoleId,
) -> Response:
    """Assign a role to users."""
    await container_of(request).roles.assign(
        caller.tenant, role_id, list(dict.fromkeys(body.users)), by=changed_by(request, caller)
    )
    return no_content()
