"""End-user roles and permissions (Auth0 roles): CRUD, permissions per API, members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tier0.audit.changes import ChangedBy, ChangeLog, FieldChange, diff
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.random import random_id
from tier0.domain import Permission, Role, Tenant
from tier0.errors import Conflict, InvalidInput, NotFound
from tier0.services.validation import validate_name
from tier0.storage.ports import Database, UnitOfWork

MAX_BATCH = 100
"""Most permissions or users one call may add or remove."""


def _batch(items: Sequence[object], what: str) -> None:
    if not items:
        raise InvalidInput(f"name at least one {what}")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} {what}s per call")


async def _defined(uow: UnitOfWork, tenant: Tenant, permissions: Sequence[Permission]) -> None:
    """Every permission must be a scope its API defines."""
    for perm in set(permissions):
        api = await uow.resource_servers.get_by_identifier(
            tenant.id, perm.resource_server_identifier
        )
        if api is None:
            raise NotFound("a permission names an API that does not exist")
        if perm.permission_name not in api.scope_values:
            raise InvalidInput(f"the API does not define {perm.permission_name[:80]!r}")


def _names(permissions: Sequence[Permission]) -> tuple[str, ...]:
    """Permissions as `API identifier` + space + scope, sorted, for an event."""
    return tuple(
        sorted({f"{p.resource_server_identifier} {p.permission_name}" for p in permissions})
    )


def _added(what: str, items: tuple[str, ...]) -> tuple[FieldChange, ...]:
    return (FieldChange(what, None, items),)


def _removed(what: str, items: tuple[str, ...]) -> tuple[FieldChange, ...]:
    return (FieldChange(what, items, None),)


class RoleService:
    def __init__(self, db: Database, clock: Clock, changes: ChangeLog) -> None:
        self._db = db
        self._clock = clock
        self._changes = changes

    async def _record(
        self,
        uow: UnitOfWork,
        by: ChangedBy,
        event_type: EventType,
        tenant: Tenant,
        subject: tuple[str, str],
        changes: Sequence[FieldChange],
    ) -> None:
        await self._changes.record(
            uow, by, event_type, tenant_id=tenant.id, subject=subject, changes=changes
        )

    async def create(
        self, tenant: Tenant, name: str, description: str = "", *, by: ChangedBy
    ) -> Role:
        role = Role(
            tenant_id=tenant.id,
            id=random_id("rol_"),
            name=validate_name(name, what="role name"),
            description=description.strip()[:1024],
            created_at=self._clock.now(),
        )
        async with self._db.transaction() as uow:
            if await uow.roles.get_by_name(tenant.id, role.name) is not None:
                raise Conflict(f"a role named {role.name!r} already exists")
            await uow.roles.add(role)
            changes = diff(None, {"name": role.name, "description": role.description})
            created = EventType.MANAGEMENT_ROLES_CREATED
            await self._record(uow, by, created, tenant, ("role", role.id), changes)
        return role

    async def get(self, tenant: Tenant, role_id: str) -> Role:
        async with self._db.read() as uow:
            role = await uow.roles.get(tenant.id, role_id)
        if role is None:
            raise NotFound("no such role")
        return role

    async def list(self, tenant: Tenant) -> Sequence[Role]:
        async with self._db.read() as uow:
            return await uow.roles.list(tenant.id)

    async def update(
        self,
        tenant: Tenant,
        role_id: str,
        *,
        name: str | None,
        description: str | None,
        by: ChangedBy,
    ) -> Role:
        async with self._db.transaction() as uow:
            role = await uow.roles.get(tenant.id, role_id)
            if role is None:
                raise NotFound("no such role")
            new_name = role.name if name is None else validate_name(name, what="role name")
            clash = await uow.roles.get_by_name(tenant.id, new_name)
            if clash is not None and clash.id != role_id:
                raise Conflict(f"a role named {new_name!r} already exists")
            updated = replace(
                role,
                name=new_name,
                description=role.description if description is None else description[:1024],
            )
            await uow.roles.update(updated)
            changes = diff(
                {"name": role.name, "description": role.description},
                {"name": updated.name, "description": updated.description},
            )
            changed = EventType.MANAGEMENT_ROLES_UPDATED
            await self._record(uow, by, changed, tenant, ("role", role_id), changes)
        return updated

    async def delete(self, tenant: Tenant, role_id: str, *, by: ChangedBy) -> None:
        async with self._db.transaction() as uow:
            role = await uow.roles.get(tenant.id, role_id)
            if role is None or not await uow.roles.delete(tenant.id, role_id):
                raise NotFound("no such role")
            changes = diff({"name": role.name, "description": role.description}, None)
            deleted = EventType.MANAGEMENT_ROLES_DELETED
            await self._record(uow, by, deleted, tenant, ("role", role_id), changes)

    async def permissions(self, tenant: Tenant, role_id: str) -> Sequence[Permission]:
        await self.get(tenant, role_id)
        async with self._db.read() as uow:
            return await uow.roles.permissions(tenant.id, role_id)

    async def add_permissions(
        self, tenant: Tenant, role_id: str, permissions: Sequence[Permission], *, by: ChangedBy
    ) -> None:
        _batch(permissions, "permission")
        async with self._db.transaction() as uow:
            await _defined(uow, tenant, permissions)
            await uow.roles.add_permissions(tenant.id, role_id, permissions)
            added = _added("permissions", _names(permissions))
            event = EventType.MANAGEMENT_ROLE_PERMISSIONS_CREATED
            await self._record(uow, by, event, tenant, ("role", role_id), added)

    async def remove_permissions(
        self, tenant: Tenant, role_id: str, permissions: Sequence[Permission], *, by: ChangedBy
    ) -> None:
        _batch(permissions, "permission")
        async with self._db.transaction() as uow:
            await uow.roles.remove_permissions(tenant.id, role_id, permissions)
            removed = _removed("permissions", _names(permissions))
            event = EventType.MANAGEMENT_ROLE_PERMISSIONS_DELETED
            await self._record(uow, by, event, tenant, ("role", role_id), removed)

    async def members(self, tenant: Tenant, role_id: str) -> Sequence[str]:
        async with self._db.read() as uow:
            if await uow.roles.get(tenant.id, role_id) is None:
                raise NotFound("no such role")
            return await uow.roles.members(tenant.id, role_id)

    async def assign(
        self, tenant: Tenant, role_id: str, user_ids: Sequence[str], *, by: ChangedBy
    ) -> None:
        _batch(user_ids, "user")
        async with self._db.transaction() as uow:
            await uow.roles.assign(tenant.id, role_id, user_ids)
            added = _added("users", tuple(sorted(set(user_ids))))
            event = EventType.MANAGEMENT_USER_ROLES_CREATED
            await self._record(uow, by, event, tenant, ("role", role_id), added)

    async def unassign(
        self, tenant: Tenant, role_id: str, user_ids: Sequence[str], *, by: ChangedBy
    ) -> None:
        _batch(user_ids, "user")
        async with self._db.transaction() as uow:
            await uow.roles.unassign(tenant.id, role_id, user_ids)
            removed = _removed("users", tuple(sorted(set(user_ids))))
            event = EventType.MANAGEMENT_USER_ROLES_DELETED
            await self._record(uow, by, event, tenant, ("role", role_id), removed)

    async def roles_of(self, tenant: Tenant, user_id: str) -> Sequence[Role]:
        async with self._db.read() as uow:
            if await uow.users.get(tenant.id, user_id) is None:
                raise NotFound("no such user")
            return await uow.roles.roles_of(tenant.id, user_id)

    async def user_permissions(self, tenant: Tenant, user_id: str) -> Sequence[Permission]:
        """Everything a user holds, through roles and directly."""
        async with self._db.read() as uow:
            if await uow.users.get(tenant.id, user_id) is None:
                raise NotFound("no such user")
            return await uow.roles.user_permissions(tenant.id, user_id)

    async def grant_user(
        self, tenant: Tenant, user_id: str, permissions: Sequence[Permission], *, by: ChangedBy
    ) -> None:
        """Give a user permissions directly, outside any role."""
        _batch(permissions, "permission")
        async with self._db.transaction() as uow:
            await _defined(uow, tenant, permissions)
            await uow.roles.grant_user(tenant.id, user_id, permissions)
            added = _added("permissions", _names(permissions))
            event = EventType.MANAGEMENT_USERS_UPDATED
            await self._record(uow, by, event, tenant, ("user", user_id), added)

    async def revoke_user(
        self, tenant: Tenant, user_id: str, permissions: Sequence[Permission], *, by: ChangedBy
    ) -> None:
        _batch(permissions, "permission")
        async with self._db.transaction() as uow:
            await uow.roles.revoke_user(tenant.id, user_id, permissions)
            removed = _removed("permissions", _names(permissions))
            event = EventType.MANAGEMENT_USERS_UPDATED
            await self._record(uow, by, event, tenant, ("user", user_id), removed)
