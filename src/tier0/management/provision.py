"""Creating the built-in management API resource server for each tenant.

A new tenant gets it inside the transaction that creates the tenant (a tenant without it
could never be managed over HTTP); tenants made before this existed get it from
:meth:`ManagementApiProvisioner.ensure_all`, which ``tier0 migrate`` and every start run.
"""

from __future__ import annotations

from dataclasses import replace

from tier0.clock import Clock
from tier0.crypto.random import random_id
from tier0.domain import ResourceServer, Tenant
from tier0.management.scopes import (
    MANAGEMENT_API_NAME,
    MANAGEMENT_SCOPES,
    MANAGEMENT_TOKEN_LIFETIME,
    management_audience,
)
from tier0.settings import Settings
from tier0.storage.ports import Database, UnitOfWork


class ManagementApiProvisioner:
    """Makes sure a tenant has its system API with the current scope list."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock

    def audience(self, tenant: Tenant) -> str:
        return management_audience(self._settings.tenant_base_url(tenant.name))

    async def __call__(self, uow: UnitOfWork, tenant: Tenant) -> bool:
        """Create or refresh the tenant's management API; True when something changed."""
        identifier = self.audience(tenant)
        now = self._clock.now()
        current = await uow.resource_servers.get_by_identifier(tenant.id, identifier)
        if current is None:
            await uow.resource_servers.add(
                ResourceServer(
                    tenant_id=tenant.id,
                    id=random_id("api_"),
                    name=MANAGEMENT_API_NAME,
                    identifier=identifier,
                    scopes=MANAGEMENT_SCOPES,
                    token_lifetime=MANAGEMENT_TOKEN_LIFETIME,
                    is_system=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            return True
        if current.scopes == MANAGEMENT_SCOPES and current.is_system:
            return False
        # A newer tier0 may define more scopes; grants keep the ones they had.
        await uow.resource_servers.update(
            replace(current, scopes=MANAGEMENT_SCOPES, is_system=True, updated_at=now)
        )
        return True

    async def ensure_all(self, db: Database) -> int:
        """Provision every existing tenant (idempotent); returns how many changed."""
        async with db.read() as uow:
            tenants = list(await uow.tenants.list())
        changed = 0
        for tenant in tenants:
            async with db.transaction() as uow:
                changed += await self(uow, tenant)
        return changed
