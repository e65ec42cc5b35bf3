"""Tenants."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from tier0.audit.changes import ChangedBy, ChangeLog, FieldValue, diff
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.random import random_id
from tier0.domain import Tenant
from tier0.domain.tenants import validate_tenant_name
from tier0.errors import Conflict, InvalidInput, NotFound
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import Database, UnitOfWork

TenantProvisioner = Callable[[UnitOfWork, Tenant], Awaitable[object]]
"""Something every new tenant gets in its creating transaction (the management API)."""


class TenantService:
    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        clock: Clock,
        changes: ChangeLog,
        *,
        provisioners: Sequence[TenantProvisioner] = (),
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._clock = clock
        self._changes = changes
        self._provisioners = tuple(provisioners)

    async def create(self, name: str, *, by: ChangedBy, display_name: str | None = None) -> Tenant:
        validate_tenant_name(name)
        display = (display_name or name).strip()
        if not display or len(display) > 255:
            raise InvalidInput("display name must be 1-255 characters")
        tenant = Tenant(
            id=random_id("ten_"), name=name, display_name=display, created_at=self._clock.now()
        )
        async with self._db.transaction() as uow:
            if await uow.tenants.get_by_name(name) is not None:
                raise Conflict(f"tenant {name!r} already exists")
            await uow.tenants.add(tenant)
            await self._keyring.create(uow, tenant.id)
            for provision in self._provisioners:
                await provision(uow, tenant)
            # The key is in the keyring now, so the new tenant's chain can start.
            await self._changes.record(
                uow,
                by,
                EventType.MANAGEMENT_TENANTS_CREATED,
                tenant_id=tenant.id,
                subject=("tenant", tenant.id),
                changes=diff(None, _fields(tenant)),
            )
        return tenant

    async def rename(self, tenant: Tenant, display_name: str, *, by: ChangedBy) -> Tenant:
        """Change the display name (Auth0's `friendly_name`); the name in URLs never changes."""
        display = display_name.strip()
        if not display or len(display) > 255 or any(ord(ch) < 32 for ch in display):
            raise InvalidInput("display name must be 1-255 printable characters")
        renamed = replace(tenant, display_name=display)
        async with self._db.transaction() as uow:
            await uow.tenants.rename(tenant.id, display)
            await self._changes.record(
                uow,
                by,
                EventType.MANAGEMENT_TENANTS_UPDATED,
                tenant_id=tenant.id,
                subject=("tenant", tenant.id),
                changes=diff(_fields(tenant), _fields(renamed)),
            )
        return renamed

    async def update_settings(
        self, tenant: Tenant, settings: Mapping[str, Any], *, by: ChangedBy
    ) -> Tenant:
        """Replace the tenant's per-feature settings (JSON-shaped); the event shows each
        changed top-level setting before and after, as canonical JSON."""
        updated = replace(tenant, settings=dict(settings))
        async with self._db.transaction() as uow:
            await uow.tenants.update_settings(tenant.id, settings)
            await self._changes.record(
                uow,
                by,
                EventType.MANAGEMENT_TENANTS_UPDATED,
                tenant_id=tenant.id,
                subject=("tenant", tenant.id),
                changes=diff(_settings(tenant), _settings(updated)),
            )
        return updated

    async def get(self, name: str) -> Tenant:
        async with self._db.read() as uow:
            tenant = await uow.tenants.get_by_name(name)
        if tenant is None:
            raise NotFound(f"no tenant named {name!r}")
        return tenant

    async def find(self, name: str) -> Tenant | None:
        async with self._db.read() as uow:
            return await uow.tenants.get_by_name(name)

    async def list(self) -> Sequence[Tenant]:
        async with self._db.read() as uow:
            return await uow.tenants.list()

    async def ensure(self, name: str, *, by: ChangedBy) -> tuple[Tenant, bool]:
        """Get or create a tenant; the flag says whether it was created."""
        existing = await self.find(name)
        if existing is not None:
            return existing, False
        try:
            return await self.create(name, by=by), True
        except Conflict:  # another node created it between our read and our write
            return await self.get(name), False

    async def delete(self, name: str, *, by: ChangedBy) -> None:
        """Delete a tenant and everything in it, including its data keys. The event goes
        into the tenant's own chain first (events outlive their tenant: docs/privacy.md)."""
        tenant = await self.get(name)
        async with self._db.transaction() as uow:
            # log_streams names its tenant without a foreign key (it sits beside the
            # audit log), so the cascade below does not reach it.
            for stream in await uow.streams.list(tenant.id):
                await uow.streams.delete(tenant.id, stream.id)
            await self._changes.record(
                uow,
                by,
                EventType.MANAGEMENT_TENANTS_DELETED,
                tenant_id=tenant.id,
                subject=("tenant", tenant.id),
                changes=diff(_fields(tenant), None),
            )
            await uow.tenant_keys.destroy(tenant.id)
            await uow.tenants.delete(tenant.id)
        self._keyring.forget(tenant.id)


def _fields(tenant: Tenant) -> dict[str, FieldValue]:
    return {"name": tenant.name, "display_name": tenant.display_name}


def _settings(tenant: Tenant) -> dict[str, FieldValue]:
    return {
        f"settings.{key}": json.dumps(value, sort_keys=True, default=str)
        for key, value in tenant.settings.items()
    }
