"""Tenants and their wrapped data keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain import Tenant
from tier0.storage.ports import WrappedTenantKey
from tier0.storage.sql.models import TenantKeyRow, TenantRow


def _tenant(row: TenantRow) -> Tenant:
    return Tenant(
        id=row.id,
        name=row.name,
        display_name=row.display_name,
        created_at=row.created_at,
        settings=dict(row.settings or {}),
    )


class SqlTenantRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, tenant: Tenant) -> None:
        self._s.add(
            TenantRow(
                id=tenant.id,
                name=tenant.name,
                display_name=tenant.display_name,
                created_at=tenant.created_at,
                settings=dict(tenant.settings),
            )
        )
        await self._s.flush()

    async def update_settings(self, tenant_id: str, settings: Mapping[str, Any]) -> None:
        await self._s.execute(
            update(TenantRow)
            .where(TenantRow.id == tenant_id)
            .values(settings=dict(settings))
            .execution_options(synchronize_session=False)
        )

    async def rename(self, tenant_id: str, display_name: str) -> None:
        await self._s.execute(
            update(TenantRow)
            .where(TenantRow.id == tenant_id)
            .values(display_name=display_name)
            .execution_options(synchronize_session=False)
        )

    async def get(self, tenant_id: str) -> Tenant | None:
        row = await self._s.get(TenantRow, tenant_id)
        return _tenant(row) if row else None

    async def get_by_name(self, name: str) -> Tenant | None:
        row = await self._s.scalar(select(TenantRow).where(TenantRow.name == name))
        return _tenant(row) if row else None

    async def list(self) -> Sequence[Tenant]:
        rows = await self._s.scalars(select(TenantRow).order_by(TenantRow.name))
        return [_tenant(row) for row in rows]

    async def delete(self, tenant_id: str) -> bool:
        result = await self._s.execute(delete(TenantRow).where(TenantRow.id == tenant_id))
        return bool(getattr(result, "rowcount", 0))


class SqlTenantKeyRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, tenant_id: str, version: int, wrapped: str, created_at: datetime) -> None:
        self._s.add(
            TenantKeyRow(
                tenant_id=tenant_id, version=version, wrapped_key=wrapped, created_at=created_at
            )
        )
        await self._s.flush()

    async def latest(self, tenant_id: str) -> WrappedTenantKey | None:
        row = await self._s.scalar(
            select(TenantKeyRow)
            .where(TenantKeyRow.tenant_id == tenant_id)
            .order_by(TenantKeyRow.version.desc())
            .limit(1)
        )
        return WrappedTenantKey(row.tenant_id, row.version, row.wrapped_key) if row else None

    async def get(self, tenant_id: str, version: int) -> WrappedTenantKey | None:
        row = await self._s.get(TenantKeyRow, (tenant_id, version))
        return WrappedTenantKey(row.tenant_id, row.version, row.wrapped_key) if row else None

    async def all(self) -> Sequence[WrappedTenantKey]:
        rows = await self._s.scalars(select(TenantKeyRow))
        return [WrappedTenantKey(r.tenant_id, r.version, r.wrapped_key) for r in rows]

    async def replace(self, key: WrappedTenantKey) -> None:
        row = await self._s.get(TenantKeyRow, (key.tenant_id, key.version))
        if row is not None:
            row.wrapped_key = key.wrapped
            await self._s.flush()

    async def count(self, tenant_id: str) -> int:
        total = await self._s.scalar(
            select(func.count())
            .select_from(TenantKeyRow)
            .where(TenantKeyRow.tenant_id == tenant_id)
        )
        return int(total or 0)

    async def destroy(self, tenant_id: str) -> int:
        result = await self._s.execute(
            delete(TenantKeyRow).where(TenantKeyRow.tenant_id == tenant_id)
        )
        return int(getattr(result, "rowcount", 0))
