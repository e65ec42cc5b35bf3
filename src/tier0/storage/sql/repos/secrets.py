"""SQL storage of the versioned secret store (rows hold sealed values only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.secrets.store import SealedVersion
from tier0.storage.ports import UnitOfWork
from tier0.storage.sql.models import StoredSecretRow
from tier0.storage.sql.repos import SqlUnitOfWork


def _version(row: StoredSecretRow) -> SealedVersion:
    return SealedVersion(row.name, row.version, row.sealed, row.created_at)


class SqlSecretRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def latest_version(self, tenant_id: str, name: str) -> int:
        found = await self._s.scalar(
            select(func.max(StoredSecretRow.version)).where(
                StoredSecretRow.tenant_id == tenant_id, StoredSecretRow.name == name
            )
        )
        return int(found or 0)

    async def add(
        self, tenant_id: str, name: str, version: int, sealed: bytes, at: datetime
    ) -> None:
        self._s.add(
            StoredSecretRow(
                tenant_id=tenant_id, name=name, version=version, sealed=sealed, created_at=at
            )
        )
        await self._s.flush()

    async def get(self, tenant_id: str, name: str, version: int | None) -> SealedVersion | None:
        stmt = select(StoredSecretRow).where(
            StoredSecretRow.tenant_id == tenant_id, StoredSecretRow.name == name
        )
        if version is not None:
            stmt = stmt.where(StoredSecretRow.version == version)
        row = await self._s.scalar(stmt.order_by(StoredSecretRow.version.desc()).limit(1))
        return _version(row) if row else None

    async def list(self, tenant_id: str) -> Sequence[SealedVersion]:
        rows = await self._s.scalars(
            select(StoredSecretRow)
            .where(StoredSecretRow.tenant_id == tenant_id)
            .order_by(StoredSecretRow.name, StoredSecretRow.version)
        )
        return [_version(row) for row in rows]

    async def delete(self, tenant_id: str, name: str, version: int | None) -> int:
        stmt = delete(StoredSecretRow).where(
            StoredSecretRow.tenant_id == tenant_id, StoredSecretRow.name == name
        )
        if version is not None:
            stmt = stmt.where(StoredSecretRow.version == version)
        result = await self._s.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)


def sql_secret_repo(uow: UnitOfWork) -> SqlSecretRepo:
    """The secret repository on the session of an SQL unit of work."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("SqlSecretRepo needs an SQL unit of work")
    return SqlSecretRepo(uow.session)
