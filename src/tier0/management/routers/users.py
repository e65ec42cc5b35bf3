"""``/users``, ``/users/{id}/roles``, ``/users/{id}/permissions`` and ``/users-by-email``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from tier0.container import Container
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.cursor import decode_cursor, encode_cursor
from tier0.management.pagination import MAX_PER_PAGE, PageParams, page_params, paged
from tier0.management.responses import no_content
from tier0.management.routing import action, create, delete, empty, id_path, listing, read
from tier0.management.schemas.common import PermissionOut, PermissionsBody, permission_views
from tier0.management.schemas.roles import RoleOut
from tier0.management.schemas.users import (
    RolesBody,
    UserCreate,
    UserOut,
    UsersCheckpoint,
    UsersPage,
    UserUpdate,
)
from tier0.management.search import parse_user_query
from tier0.services.users import UserPatch, UserSpec
from tier0.views import role_view, user_view
from tier0.web.deps import container_of

router = APIRouter(tags=["users"])
UserId = Annotated[str, id_path("user's `user_id`")]


def _c(request: Request) -> Container:
    return container_of(request)


@listing(router, "/users", list[UserOut] | UsersPage | UsersCheckpoint, 404)
async def list_users(
    request: Request,
    caller: Annotated[Principal, require("read:users")],
    paging: PageParams = Depends(page_params),
    q: str | None = Query(None, max_length=400, description='One term: `email:"a@b.c"`.'),
    from_: str | None = Query(None, alias="from", max_length=200, description="Checkpoint."),
    take: int | None = Query(None, ge=1, le=MAX_PER_PAGE, description="Checkpoint page size."),
) -> Any:
    """List or search users. `from`/`take` switch to checkpoint pagination."""
    c = _c(request)
    if from_ is not None or take is not None:
        limit = take or paging.per_page
        after = decode_cursor(from_) if from_ else None
        found = await c.users.page_after(caller.tenant, after, limit=limit)
        last = found[-1] if len(found) == limit else None
        cursor = encode_cursor(last.created_at, last.user_id) if last and last.created_at else None
        return {"users": [user_view(u) for u in found], "next": cursor}
    if q is not None:
        hits, total = await c.users.search(
            caller.tenant, parse_user_query(q), offset=paging.offset, limit=paging.per_page
        )
    else:
        hits = await c.users.list(caller.tenant, offset=paging.offset, limit=paging.per_page)
        total = await c.users.count(caller.tenant) if paging.include_totals else len(hits)
    return paged("users", [user_view(u) for u in hits], total, paging)


@create(router, "/users", UserOut, 409)
async def create_user(
    body: UserCreate, request: Request, caller: Annotated[Principal, require("create:users")]
) -> Any:
    """Create a user."""
    spec = UserSpec(**body.model_dump(exclude={"connection"}))
    user = await _c(request).users.create(caller.tenant, spec, by=changed_by(request, caller))
    return user_view(user)


@read(router, "/users/{user_id}", UserOut)
async def get_user(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("read:users")]
) -> Any:
    """Get one user."""
    return user_view(await _c(request).users.get(caller.tenant, user_id))


@action(router, "PATCH", "/users/{user_id}", UserOut, 404, 409)
async def update_user(
    body: UserUpdate,
    request: Request,
    user_id: UserId,
    caller: Annotated[Principal, require("update:users")],
) -> Any:
    """Update a user; `blocked` blocks or unblocks sign-in."""
    sent = body.model_dump(exclude_unset=True, exclude={"connection"})
    patch = UserPatch(**sent)
    user = await _c(request).users.update(
        caller.tenant, user_id, patch, by=changed_by(request, caller)
    )
    return user_view(user)


@delete(router, "/users/{user_id}")
async def delete_user(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("delete:users")]
) -> Response:
    """Delete a user."""
    await _c(request).users.delete(caller.tenant, user_id, by=changed_by(request, caller))
    return no_content()


@listing(router, "/users-by-email", list[UserOut])
async def users_by_email(
    request: Request,
    caller: Annotated[Principal, require("read:users")],
    email: str = Query(min_length=3, max_length=320),
) -> Any:
    """Users with this email (at most one: emails are unique per tenant)."""
    found = await _c(request).users.find_by_email(caller.tenant, email)
    return [user_view(found)] if found else []


@read(router, "/users/{user_id}/roles", list[RoleOut])
async def user_roles(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("read:roles")]
) -> Any:
    """Roles assigned to a user."""
    return [role_view(r) for r in await _c(request).roles.roles_of(caller.tenant, user_id)]


@empty(router, "POST", "/users/{user_id}/roles")
async def assign_user_roles(
    body: RolesBody,
    request: Request,
    user_id: UserId,
    caller: Annotated[Principal, require("create:role_members", step_up=True)],
) -> Response:
    """Assign roles to a user."""
    for role_id in dict.fromkeys(body.roles):
        await _c(request).roles.assign(
            caller.tenant, role_id, [user_id], by=changed_by(request, caller)
        )
    return no_content()


@delete(router, "/users/{user_id}/roles")
async def remove_user_roles(
    body: RolesBody,
    request: Request,
    user_id: UserId,
    caller: Annotated[Principal, require("delete:role_members")],
) -> Response:
    """Remove roles from a user."""
    await _c(request).users.get(caller.tenant, user_id)
    for role_id in dict.fromkeys(body.roles):
        await _c(request).roles.unassign(
            caller.tenant, role_id, [user_id], by=changed_by(request, caller)
        )
    return no_content()


@read(router, "/users/{user_id}/permissions", list[PermissionOut])
async def user_permissions(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("read:users")]
) -> Any:
    """Every permission a user holds, through roles and directly."""
    held = await _c(request).roles.user_permissions(caller.tenant, user_id)
    return permission_views(held)


@empty(router, "POST", "/users/{user_id}/permissions", status=201)
async def grant_user_permissions(
    body: PermissionsBody,
    request: Request,
    user_id: UserId,
    caller: Annotated[Principal, require("update:users", step_up=True)],
) -> Response:
    """Give a user permissions directly."""
    await _c(request).roles.grant_user(
        caller.tenant, user_id, body.as_permissions(), by=changed_by(request, caller)
    )
    return Response(status_code=201)


@delete(router, "/users/{user_id}/permissions")
async def revoke_user_permissions(
    body: PermissionsBody,
    request: Request,
    user_id: UserId,
    caller: Annotated[Principal, require("update:users")],
) -> Response:
    """Take directly given permissions away from a user."""
    await _c(request).roles.revoke_user(
        caller.tenant, user_id, body.as_permissions(), by=changed_by(request, caller)
    )
    return no_content()
