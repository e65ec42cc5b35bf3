"""APIs (resource servers)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain import ApiScope, ResourceServer
from tier0.storage.sql.models import ResourceServerRow
from tier0.storage.sql.types import require_time


def _api(row: ResourceServerRow) -> ResourceServer:
    return ResourceServer(
        tenant_id=row.tenant_id,
        id=row.id,
        name=row.name,
        identifier=row.identifier,
        scopes=tuple(ApiScope(s["value"], s.get("description", "")) for s in row.scopes),
        signing_alg=row.signing_alg,
        token_lifetime=row.token_lifetime,
        allow_offline_access=row.allow_offline_access,
        enforce_policies=row.enforce_policies,
        token_dialect=row.token_dialect,
        is_system=row.is_system,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _copy_into(row: ResourceServerRow, api: ResourceServer) -> None:
    row.name = api.name
    row.scopes = [{"value": s.value, "description": s.description} for s in api.scopes]
    row.signing_alg = api.signing_alg
    row.token_lifetime = api.token_lifetime
    row.allow_offline_access = api.allow_offline_access
    row.enforce_policies = api.enforce_policies
    row.token_dialect = api.token_dialect
    row.is_system = api.is_system
    if api.updated_at is not None:
        row.updated_at = api.updated_at


class SqlResourceServerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, api: ResourceServer) -> None:
        created_at = require_time(api.created_at)
        row = ResourceServerRow(
            id=api.id,
            tenant_id=api.tenant_id,
            identifier=api.identifier,
            created_at=created_at,
            updated_at=api.updated_at or created_at,
        )
        _copy_into(row, api)
        self._s.add(row)
        await self._s.flush()

    async def _row(self, tenant_id: str, api_id: str) -> ResourceServerRow | None:
        return await self._s.scalar(
            select(ResourceServerRow).where(
                ResourceServerRow.tenant_id == tenant_id, ResourceServerRow.id == api_id
            )
        )

    async def get(self, tenant_id: str, api_id: str) -> ResourceServer | None:
        row = await self._row(tenant_id, api_id)
        return _api(row) if row else None

    async def get_by_identifier(self, tenant_id: str, identifier: str) -> ResourceServer | None:
        row = await self._s.scalar(
            select(ResourceServerRow).where(
                ResourceServerRow.tenant_id == tenant_id,
                ResourceServerRow.identifier == identifier,
            )
        )
        return _api(row) if row else None

    async def list(
        self, tenant_id: str, *, offset: int = 0, limit: int = 100
    ) -> Sequence[ResourceServer]:
        rows = await self._s.scalars(
            select(ResourceServerRow)
            .where(ResourceServerRow.tenant_id == tenant_id)
            .order_by(ResourceServerRow.identifier)
            .offset(offset)
            .limit(limit)
        )
        return [_api(row) for row in rows]

    async def update(self, api: ResourceServer) -> None:
        row = await self._row(api.tenant_id, api.id)
        if row is not None:
            _copy_into(row, api)
            await self._s.flush()

    async def delete(self, tenant_id: str, api_id: str) -> bool:
        result = await self._s.execute(
            delete(ResourceServerRow).where(
                ResourceServerRow.tenant_id == tenant_id, ResourceServerRow.id == api_id
            )
        )
        return bool(getattr(result, "rowcount", 0))
