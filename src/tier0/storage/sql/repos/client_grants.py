"""Client grants. Stored against the API's row id; exposed with the API's audience."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain import ClientGrant
from tier0.errors import NotFound
from tier0.storage.sql.models import ClientGrantRow, ResourceServerRow
from tier0.storage.sql.types import require_time


def _grant(row: ClientGrantRow, audience: str) -> ClientGrant:
    return ClientGrant(
        tenant_id=row.tenant_id,
        id=row.id,
        client_id=row.client_id,
        audience=audience,
        scope=tuple(row.scope),
        created_at=row.created_at,
    )


def _joined(tenant_id: str) -> Select[ClientGrantRow, str]:
    return (
        select(ClientGrantRow, ResourceServerRow.identifier)
        .join(ResourceServerRow, ResourceServerRow.id == ClientGrantRow.resource_server_id)
        .where(ClientGrantRow.tenant_id == tenant_id)
    )


class SqlClientGrantRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _api_id(self, tenant_id: str, audience: str) -> str:
        api_id = await self._s.scalar(
            select(ResourceServerRow.id).where(
                ResourceServerRow.tenant_id == tenant_id,
                ResourceServerRow.identifier == audience,
            )
        )
        if api_id is None:
            raise NotFound("no API with that identifier")
        return api_id

    async def add(self, grant: ClientGrant) -> None:
        created_at = require_time(grant.created_at)
        self._s.add(
            ClientGrantRow(
                id=grant.id,
                tenant_id=grant.tenant_id,
                client_id=grant.client_id,
                resource_server_id=await self._api_id(grant.tenant_id, grant.audience),
                scope=list(grant.scope),
                created_at=created_at,
            )
        )
        await self._s.flush()

    async def get(self, tenant_id: str, grant_id: str) -> ClientGrant | None:
        found = (
            await self._s.execute(_joined(tenant_id).where(ClientGrantRow.id == grant_id))
        ).first()
        return _grant(found[0], found[1]) if found else None

    async def find(self, tenant_id: str, client_id: str, audience: str) -> ClientGrant | None:
        query = _joined(tenant_id).where(
            ClientGrantRow.client_id == client_id, ResourceServerRow.identifier == audience
        )
        found = (await self._s.execute(query)).first()
        return _grant(found[0], found[1]) if found else None

    async def list(
        self, tenant_id: str, *, client_id: str | None = None, audience: str | None = None
    ) -> Sequence[ClientGrant]:
        query = _joined(tenant_id)
        if client_id is not None:
            query = query.where(ClientGrantRow.client_id == client_id)
        if audience is not None:
            query = query.where(ResourceServerRow.identifier == audience)
        rows = await self._s.execute(query.order_by(ClientGrantRow.created_at, ClientGrantRow.id))
        return [_grant(row, audience) for row, audience in rows.tuples()]

    async def update(self, grant: ClientGrant) -> None:
        row = await self._s.scalar(
            select(ClientGrantRow).where(
                ClientGrantRow.tenant_id == grant.tenant_id, ClientGrantRow.id == grant.id
            )
        )
        if row is not None:
            row.scope = list(grant.scope)
            await self._s.flush()

    async def delete(self, tenant_id: str, grant_id: str) -> bool:
        result = await self._s.execute(
            delete(ClientGrantRow).where(
                ClientGrantRow.tenant_id == tenant_id, ClientGrantRow.id == grant_id
            )
        )
        return bool(getattr(result, "rowcount", 0))
