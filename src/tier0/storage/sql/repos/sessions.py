"""Browser sessions and the replay cache of one-time values (client-assertion and DPoP
`jti`s). Ending a session is a conditional UPDATE, like the single use of codes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain.grants import Session
from tier0.storage.sql.models import ReplayRow, SessionRow
from tier0.storage.sql.repos.oauth import _rowcount
from tier0.storage.sql.types import require_time


def _session(row: SessionRow) -> Session:
    return Session(
        tenant_id=row.tenant_id,
        id_hash=row.id_hash,
        sid=row.sid,
        user_id=row.user_id,
        auth_time=row.auth_time,
        amr=tuple(row.amr),
        acr=row.acr,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        idle_expires_at=row.idle_expires_at,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
    )


class SqlSessionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, item: Session) -> None:
        self._s.add(
            SessionRow(
                id_hash=item.id_hash,
                tenant_id=item.tenant_id,
                sid=item.sid,
                user_id=item.user_id,
                auth_time=require_time(item.auth_time),
                amr=list(item.amr),
                acr=item.acr,
                created_at=require_time(item.created_at),
                last_seen_at=require_time(item.last_seen_at),
                idle_expires_at=require_time(item.idle_expires_at),
                expires_at=require_time(item.expires_at),
                ended_at=item.ended_at,
            )
        )
        await self._s.flush()

    async def _one(self, *where: Any) -> Session | None:
        row = await self._s.scalar(
            select(SessionRow).where(*where).execution_options(populate_existing=True)
        )
        return _session(row) if row else None

    async def get(self, tenant_id: str, id_hash: str) -> Session | None:
        return await self._one(SessionRow.tenant_id == tenant_id, SessionRow.id_hash == id_hash)

    async def get_by_sid(self, tenant_id: str, sid: str) -> Session | None:
        return await self._one(SessionRow.tenant_id == tenant_id, SessionRow.sid == sid)

    async def touch(
        self, tenant_id: str, id_hash: str, at: datetime, idle_expires_at: datetime
    ) -> None:
        await self._s.execute(
            update(SessionRow)
            .where(SessionRow.tenant_id == tenant_id, SessionRow.id_hash == id_hash)
            .values(last_seen_at=at, idle_expires_at=idle_expires_at)
            .execution_options(synchronize_session=False)
        )

    async def end(self, tenant_id: str, id_hash: str, at: datetime) -> bool:
        result = await self._s.execute(
            update(SessionRow)
            .where(
                SessionRow.tenant_id == tenant_id,
                SessionRow.id_hash == id_hash,
                SessionRow.ended_at.is_(None),
            )
            .values(ended_at=at)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def end_all_for_user(self, tenant_id: str, user_id: str, at: datetime) -> int:
        result = await self._s.execute(
            update(SessionRow)
            .where(
                SessionRow.tenant_id == tenant_id,
                SessionRow.user_id == user_id,
                SessionRow.ended_at.is_(None),
            )
            .values(ended_at=at)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)

    async def list_for_user(self, tenant_id: str, user_id: str) -> Sequence[Session]:
        rows = await self._s.scalars(
            select(SessionRow)
            .where(
                SessionRow.tenant_id == tenant_id,
                SessionRow.user_id == user_id,
                SessionRow.ended_at.is_(None),
            )
            .order_by(SessionRow.created_at)
        )
        return [_session(row) for row in rows]


class SqlReplayRepo:
    """Remembers one-time values. Keys are SHA-256'd: a `jti` may be long or hostile."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def remember(
        self, tenant_id: str, key: str, expires_at: datetime, *, now: datetime | None = None
    ) -> bool:
        """True the first time ``key`` is seen; False while it is remembered. Given
        ``now``, a key whose memory expired before it counts as new again."""
        key_hash = hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()
        values = {"tenant_id": tenant_id, "key_hash": key_hash, "expires_at": expires_at}
        dialect = self._s.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        inserted = await self._s.execute(
            insert(ReplayRow).values(**values).on_conflict_do_nothing()
        )
        if _rowcount(inserted) == 1:
            return True
        if now is None:
            return False
        # Seen before: only a value whose memory has expired may be used again.
        revived = await self._s.execute(
            update(ReplayRow)
            .where(
                ReplayRow.tenant_id == tenant_id,
                ReplayRow.key_hash == key_hash,
                ReplayRow.expires_at <= now,
            )
            .values(expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(revived) == 1

    async def purge_expired(self, before: datetime) -> int:
        result = await self._s.execute(delete(ReplayRow).where(ReplayRow.expires_at < before))
        return _rowcount(result)
