"""Queries only a tenant archive needs: permissions given to users directly (not through a
role), and each role's members, across a whole tenant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tier0.storage.ports import UnitOfWork
from tier0.storage.sql.models import ResourceServerRow, UserPermissionRow, UserRoleRow, UserRow
from tier0.storage.sql.repos import SqlUnitOfWork


async def tenant_assignments(uow: UnitOfWork, tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    """``{"user_roles": [...], "user_permissions": [...]}``, sorted, for one tenant."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("tenant_assignments needs an SQL unit of work")
    roles = await uow.session.execute(
        select(UserRoleRow.user_id, UserRoleRow.role_id)
        .join(UserRow, UserRow.user_id == UserRoleRow.user_id)
        .where(UserRow.tenant_id == tenant_id)
        .order_by(UserRoleRow.user_id, UserRoleRow.role_id)
    )
    direct = await uow.session.execute(
        select(
            UserPermissionRow.user_id,
            ResourceServerRow.identifier,
            UserPermissionRow.permission_name,
        )
        .join(UserRow, UserRow.user_id == UserPermissionRow.user_id)
        .join(ResourceServerRow, ResourceServerRow.id == UserPermissionRow.resource_server_id)
        .where(UserRow.tenant_id == tenant_id)
        .order_by(
            UserPermissionRow.user_id,
            ResourceServerRow.identifier,
            UserPermissionRow.permission_name,
        )
    )
    return {
        "user_roles": [{"user_id": u, "role_id": r} for u, r in roles],
        "user_permissions": [
            {"user_id": u, "resource_server_identifier": api, "permission_name": name}
            for u, api, name in direct
        ],
    }
