"""Roles, their permissions, and who holds them. Permissions name APIs by identifier on the
way in and out; rows reference the API's id so that deleting an API removes them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, delete, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain import Permission, Role
from tier0.errors import NotFound
from tier0.storage.sql.models import (
    ResourceServerRow,
    RolePermissionRow,
    RoleRow,
    UserPermissionRow,
    UserRoleRow,
    UserRow,
)
from tier0.storage.sql.types import require_time


def _role(row: RoleRow) -> Role:
    return Role(
        tenant_id=row.tenant_id,
        id=row.id,
        name=row.name,
        description=row.description,
        created_at=row.created_at,
    )


class SqlRoleRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, role: Role) -> None:
        created_at = require_time(role.created_at)
        self._s.add(
            RoleRow(
                id=role.id,
                tenant_id=role.tenant_id,
                name=role.name,
                description=role.description,
                created_at=created_at,
            )
        )
        await self._s.flush()

    async def _row(self, tenant_id: str, role_id: str) -> RoleRow | None:
        return await self._s.scalar(
            select(RoleRow).where(RoleRow.tenant_id == tenant_id, RoleRow.id == role_id)
        )

    async def get(self, tenant_id: str, role_id: str) -> Role | None:
        row = await self._row(tenant_id, role_id)
        return _role(row) if row else None

    async def get_by_name(self, tenant_id: str, name: str) -> Role | None:
        row = await self._s.scalar(
            select(RoleRow).where(RoleRow.tenant_id == tenant_id, RoleRow.name == name)
        )
        return _role(row) if row else None

    async def list(self, tenant_id: str) -> Sequence[Role]:
        rows = await self._s.scalars(
            select(RoleRow).where(RoleRow.tenant_id == tenant_id).order_by(RoleRow.name)
        )
        return [_role(row) for row in rows]

    async def update(self, role: Role) -> None:
        row = await self._row(role.tenant_id, role.id)
        if row is not None:
            row.name = role.name
            row.description = role.description
            await self._s.flush()

    async def delete(self, tenant_id: str, role_id: str) -> bool:
        result = await self._s.execute(
            delete(RoleRow).where(RoleRow.tenant_id == tenant_id, RoleRow.id == role_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def _api_ids(self, tenant_id: str, permissions: Sequence[Permission]) -> dict[str, str]:
        identifiers = {p.resource_server_identifier for p in permissions}
        rows = await self._s.execute(
            select(ResourceServerRow.identifier, ResourceServerRow.id).where(
                ResourceServerRow.tenant_id == tenant_id,
                ResourceServerRow.identifier.in_(identifiers),
            )
        )
        found = {identifier: api_id for identifier, api_id in rows}
        if set(found) != identifiers:
            raise NotFound("a permission names an API that does not exist")
        return found

    async def _require(self, tenant_id: str, role_id: str) -> None:
        if await self._row(tenant_id, role_id) is None:
            raise NotFound("no such role")

    async def add_permissions(
        self, tenant_id: str, role_id: str, permissions: Sequence[Permission]
    ) -> None:
        await self._require(tenant_id, role_id)
        api_ids = await self._api_ids(tenant_id, permissions)
        have = set(await self.permissions(tenant_id, role_id))
        for perm in sorted(set(permissions) - have):
            self._s.add(
                RolePermissionRow(
                    role_id=role_id,
                    resource_server_id=api_ids[perm.resource_server_identifier],
                    permission_name=perm.permission_name,
                )
            )
        await self._s.flush()

    async def remove_permissions(
        self, tenant_id: str, role_id: str, permissions: Sequence[Permission]
    ) -> None:
        await self._require(tenant_id, role_id)
        api_ids = await self._api_ids(tenant_id, permissions)
        for perm in permissions:
            await self._s.execute(
                delete(RolePermissionRow).where(
                    RolePermissionRow.role_id == role_id,
                    RolePermissionRow.resource_server_id
                    == api_ids[perm.resource_server_identifier],
                    RolePermissionRow.permission_name == perm.permission_name,
                )
            )

    async def permissions(self, tenant_id: str, role_id: str) -> Sequence[Permission]:
        rows = await self._s.execute(
            select(ResourceServerRow.identifier, RolePermissionRow.permission_name)
            .join(ResourceServerRow, ResourceServerRow.id == RolePermissionRow.resource_server_id)
            .join(RoleRow, RoleRow.id == RolePermissionRow.role_id)
            .where(RoleRow.tenant_id == tenant_id, RoleRow.id == role_id)
        )
        return sorted(Permission(api, name) for api, name in rows)

    async def _tenant_users(self, tenant_id: str, user_ids: Sequence[str]) -> set[str]:
        found = set(
            await self._s.scalars(
                select(UserRow.user_id).where(
                    UserRow.tenant_id == tenant_id, UserRow.user_id.in_(set(user_ids))
                )
            )
        )
        if found != set(user_ids):
            raise NotFound("no such user")
        return found

    async def assign(self, tenant_id: str, role_id: str, user_ids: Sequence[str]) -> None:
        await self._require(tenant_id, role_id)
        wanted = await self._tenant_users(tenant_id, user_ids)
        have = set(
            await self._s.scalars(
                select(UserRoleRow.user_id).where(
                    UserRoleRow.role_id == role_id, UserRoleRow.user_id.in_(wanted)
                )
            )
        )
        for user_id in sorted(wanted - have):
            self._s.add(UserRoleRow(user_id=user_id, role_id=role_id))
        await self._s.flush()

    async def unassign(self, tenant_id: str, role_id: str, user_ids: Sequence[str]) -> None:
        await self._require(tenant_id, role_id)
        await self._s.execute(
            delete(UserRoleRow).where(
                UserRoleRow.role_id == role_id, UserRoleRow.user_id.in_(set(user_ids))
            )
        )

    async def roles_of(self, tenant_id: str, user_id: str) -> Sequence[Role]:
        rows = await self._s.scalars(
            select(RoleRow)
            .join(UserRoleRow, UserRoleRow.role_id == RoleRow.id)
            .where(RoleRow.tenant_id == tenant_id, UserRoleRow.user_id == user_id)
            .order_by(RoleRow.name)
        )
        return [_role(row) for row in rows]

    async def user_permissions(self, tenant_id: str, user_id: str) -> Sequence[Permission]:
        """Every permission a user holds: through roles, and given directly."""
        via_roles = (
            select(RolePermissionRow.resource_server_id, RolePermissionRow.permission_name)
            .join(UserRoleRow, UserRoleRow.role_id == RolePermissionRow.role_id)
            .join(RoleRow, and_(RoleRow.id == UserRoleRow.role_id, RoleRow.tenant_id == tenant_id))
            .where(UserRoleRow.user_id == user_id)
        )
        direct = (
            select(UserPermissionRow.resource_server_id, UserPermissionRow.permission_name)
            .join(UserRow, UserRow.user_id == UserPermissionRow.user_id)
            .where(UserRow.tenant_id == tenant_id, UserPermissionRow.user_id == user_id)
        )
        held = union(via_roles, direct).subquery()
        rows = await self._s.execute(
            select(ResourceServerRow.identifier, held.c.permission_name).join(
                ResourceServerRow, ResourceServerRow.id == held.c.resource_server_id
            )
        )
        return sorted(Permission(api, name) for api, name in rows)

    async def members(self, tenant_id: str, role_id: str) -> Sequence[str]:
        rows = await self._s.scalars(
            select(UserRoleRow.user_id)
            .join(RoleRow, RoleRow.id == UserRoleRow.role_id)
            .where(RoleRow.tenant_id == tenant_id, RoleRow.id == role_id)
            .order_by(UserRoleRow.user_id)
        )
        return list(rows)

    async def grant_user(
        self, tenant_id: str, user_id: str, permissions: Sequence[Permission]
    ) -> None:
        await self._tenant_users(tenant_id, [user_id])
        api_ids = await self._api_ids(tenant_id, permissions)
        have = set(
            await self._s.execute(
                select(
                    UserPermissionRow.resource_server_id, UserPermissionRow.permission_name
                ).where(UserPermissionRow.user_id == user_id)
            )
        )
        for perm in sorted(set(permissions)):
            key = (api_ids[perm.resource_server_identifier], perm.permission_name)
            if key not in have:
                self._s.add(
                    UserPermissionRow(
                        user_id=user_id, resource_server_id=key[0], permission_name=key[1]
                    )
                )
        await self._s.flush()

    async def revoke_user(
        self, tenant_id: str, user_id: str, permissions: Sequence[Permission]
    ) -> None:
        await self._tenant_users(tenant_id, [user_id])
        api_ids = await self._api_ids(tenant_id, permissions)
        for perm in permissions:
            await self._s.execute(
                delete(UserPermissionRow).where(
                    UserPermissionRow.user_id == user_id,
                    UserPermissionRow.resource_server_id
                    == api_ids[perm.resource_server_identifier],
                    UserPermissionRow.permission_name == perm.permission_name,
                )
            )
