"""SQL implementation of the :class:`~tier0.users.history.PasswordHistoryStore` port."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.storage.ports import UnitOfWork
from tier0.storage.sql.models.password_history import PasswordHistoryRow
from tier0.storage.sql.repos import SqlUnitOfWork


class SqlPasswordHistory:
    """Previous hashes on one SQL session; every query is scoped to one tenant and user."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def recent(self, tenant_id: str, user_id: str, limit: int) -> Sequence[str]:
        if limit <= 0:
            return []
        rows = await self._s.scalars(
            select(PasswordHistoryRow.password_hash)
            .where(
                PasswordHistoryRow.tenant_id == tenant_id,
                PasswordHistoryRow.user_id == user_id,
            )
            .order_by(PasswordHistoryRow.created_at.desc(), PasswordHistoryRow.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def add(self, tenant_id: str, user_id: str, password_hash: str, at: datetime) -> None:
        self._s.add(
            PasswordHistoryRow(
                tenant_id=tenant_id, user_id=user_id, password_hash=password_hash, created_at=at
            )
        )
        await self._s.flush()

    async def trim(self, tenant_id: str, user_id: str, keep: int) -> int:
        keep_ids = (
            select(PasswordHistoryRow.id)
            .where(
                PasswordHistoryRow.tenant_id == tenant_id,
                PasswordHistoryRow.user_id == user_id,
            )
            .order_by(PasswordHistoryRow.created_at.desc(), PasswordHistoryRow.id.desc())
            .limit(max(keep, 0))
        )
        result = await self._s.execute(
            delete(PasswordHistoryRow).where(
                PasswordHistoryRow.tenant_id == tenant_id,
                PasswordHistoryRow.user_id == user_id,
                PasswordHistoryRow.id.not_in(keep_ids.scalar_subquery()),
            )
        )
        return int(getattr(result, "rowcount", 0))


def sql_password_history(uow: UnitOfWork) -> SqlPasswordHistory:
    """The history store on the session of an SQL unit of work (the container's factory)."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("SqlPasswordHistory needs an SQL unit of work")
    return SqlPasswordHistory(uow.session)
