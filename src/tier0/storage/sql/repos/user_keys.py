"""Per-user data keys and their wrapping keys (see :mod:`tier0.secrets.user_keys`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.secrets.user_keys import StoredUserKey, StoredWrapKey
from tier0.storage.sql.models import UserKeyRow, UserWrapKeyRow


def _wrap(row: UserWrapKeyRow) -> StoredWrapKey:
    return StoredWrapKey(row.tenant_id, row.version, row.wrapped_key)


def _key(row: UserKeyRow) -> StoredUserKey:
    return StoredUserKey(row.user_id, row.wrap_version, bytes(row.sealed_key))


class SqlUserKeyRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def latest_wrap(self, tenant_id: str) -> StoredWrapKey | None:
        row = await self._s.scalar(
            select(UserWrapKeyRow)
            .where(UserWrapKeyRow.tenant_id == tenant_id)
            .order_by(UserWrapKeyRow.version.desc())
            .limit(1)
        )
        return _wrap(row) if row else None

    async def get_wrap(self, tenant_id: str, version: int) -> StoredWrapKey | None:
        row = await self._s.get(UserWrapKeyRow, (tenant_id, version))
        return _wrap(row) if row else None

    async def add_wrap(self, key: StoredWrapKey, at: datetime) -> None:
        self._s.add(
            UserWrapKeyRow(
                tenant_id=key.tenant_id, version=key.version, wrapped_key=key.wrapped, created_at=at
            )
        )
        await self._s.flush()

    async def replace_wrap(self, key: StoredWrapKey) -> None:
        row = await self._s.get(UserWrapKeyRow, (key.tenant_id, key.version))
        if row is not None:
            row.wrapped_key = key.wrapped
            await self._s.flush()

    async def all_wraps(self) -> Sequence[StoredWrapKey]:
        return [_wrap(row) for row in await self._s.scalars(select(UserWrapKeyRow))]

    async def delete_wraps_below(self, tenant_id: str, version: int) -> int:
        result = await self._s.execute(
            delete(UserWrapKeyRow).where(
                UserWrapKeyRow.tenant_id == tenant_id, UserWrapKeyRow.version < version
            )
        )
        return int(getattr(result, "rowcount", 0))

    async def keys(self, tenant_id: str, user_ids: Iterable[str] | None) -> list[StoredUserKey]:
        stmt = select(UserKeyRow).where(UserKeyRow.tenant_id == tenant_id)
        if user_ids is not None:
            wanted = list(user_ids)
            if not wanted:
                return []
            # One user (every single-user read, e.g. each sign-in) is a plain equality: an
            # expanding IN is re-rendered on every execution.
            match = UserKeyRow.user_id == wanted[0] if len(wanted) == 1 else None
            stmt = stmt.where(UserKeyRow.user_id.in_(wanted) if match is None else match)
        return [_key(row) for row in await self._s.scalars(stmt)]

    async def keys_below(self, tenant_id: str, version: int) -> list[StoredUserKey]:
        rows = await self._s.scalars(
            select(UserKeyRow).where(
                UserKeyRow.tenant_id == tenant_id, UserKeyRow.wrap_version < version
            )
        )
        return [_key(row) for row in rows]

    async def add_key(self, tenant_id: str, key: StoredUserKey, at: datetime) -> None:
        self._s.add(
            UserKeyRow(
                user_id=key.user_id,
                tenant_id=tenant_id,
                wrap_version=key.wrap_version,
                sealed_key=key.sealed,
                created_at=at,
            )
        )
        await self._s.flush()

    async def replace_key(self, key: StoredUserKey) -> None:
        row = await self._s.get(UserKeyRow, key.user_id)
        if row is not None:
            row.wrap_version = key.wrap_version
            row.sealed_key = key.sealed
            await self._s.flush()
