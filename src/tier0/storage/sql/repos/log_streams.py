"""Log streams in SQL. Leases are taken with a conditional UPDATE, so of several relay
nodes exactly one wins a stream until its lease expires."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.audit.events import Category
from tier0.audit.streams.model import LogStream, StreamKind, StreamStatus
from tier0.storage.sql.models.log_streams import LogStreamRow


def _stream(row: LogStreamRow) -> LogStream:
    return LogStream(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        kind=StreamKind(row.kind),
        config=dict(row.config),
        categories=tuple(Category(c) for c in row.categories),
        status=StreamStatus(row.status),
        cursor=row.cursor,
        failures=row.failures,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(LogStreamRow.lease_until.is_(None), LogStreamRow.lease_until < now)


class SqlStreamRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, stream: LogStream, sealed_secret: bytes | None) -> None:
        if stream.created_at is None:
            raise ValueError("created_at must be set by the service before storing")
        self._s.add(
            LogStreamRow(
                id=stream.id,
                tenant_id=stream.tenant_id,
                name=stream.name,
                kind=str(stream.kind),
                config=dict(stream.config),
                categories=[str(c) for c in stream.categories],
                secret_sealed=sealed_secret,
                status=str(stream.status),
                cursor=stream.cursor,
                failures=0,
                created_at=stream.created_at,
            )
        )
        await self._s.flush()

    async def _one(self, *where: ColumnElement[bool]) -> LogStream | None:
        row = await self._s.scalar(
            select(LogStreamRow).where(*where).execution_options(populate_existing=True)
        )
        return _stream(row) if row else None

    async def get(self, tenant_id: str, stream_id: str) -> LogStream | None:
        return await self._one(LogStreamRow.tenant_id == tenant_id, LogStreamRow.id == stream_id)

    async def get_by_name(self, tenant_id: str, name: str) -> LogStream | None:
        return await self._one(LogStreamRow.tenant_id == tenant_id, LogStreamRow.name == name)

    async def list(self, tenant_id: str) -> Sequence[LogStream]:
        rows = await self._s.scalars(
            select(LogStreamRow)
            .where(LogStreamRow.tenant_id == tenant_id)
            .order_by(LogStreamRow.name)
            .execution_options(populate_existing=True)
        )
        return [_stream(row) for row in rows]

    async def sealed_secret(self, stream_id: str) -> bytes | None:
        return await self._s.scalar(
            select(LogStreamRow.secret_sealed).where(LogStreamRow.id == stream_id)
        )

    async def with_sealed_secret(self) -> Sequence[tuple[LogStream, bytes]]:
        rows = await self._s.scalars(
            select(LogStreamRow).where(LogStreamRow.secret_sealed.is_not(None))
        )
        return [(_stream(row), bytes(row.secret_sealed or b"")) for row in rows]

    async def clear_secret(self, stream_id: str) -> None:
        await self._s.execute(
            update(LogStreamRow).where(LogStreamRow.id == stream_id).values(secret_sealed=None)
        )

    async def delete(self, tenant_id: str, stream_id: str) -> bool:
        result = await self._s.execute(
            delete(LogStreamRow).where(
                LogStreamRow.tenant_id == tenant_id, LogStreamRow.id == stream_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def update(self, stream: LogStream, sealed_secret: bytes | None) -> None:
        values: dict[str, object] = {
            "name": stream.name,
            "config": dict(stream.config),
            "categories": [str(c) for c in stream.categories],
            "status": str(stream.status),
        }
        if sealed_secret is not None:
            values["secret_sealed"] = sealed_secret
        await self._s.execute(
            update(LogStreamRow)
            .where(LogStreamRow.tenant_id == stream.tenant_id, LogStreamRow.id == stream.id)
            .values(**values)
        )

    async def due(
        self, now: datetime, *, tenants: Collection[str] | None = None
    ) -> Sequence[LogStream]:
        stmt = select(LogStreamRow).where(
            LogStreamRow.status == str(StreamStatus.ACTIVE),
            _lease_free(now),
            or_(LogStreamRow.next_attempt_at.is_(None), LogStreamRow.next_attempt_at <= now),
        )
        if tenants is not None:
            stmt = stmt.where(LogStreamRow.tenant_id.in_(list(tenants)))
        rows = await self._s.scalars(
            stmt.order_by(LogStreamRow.tenant_id, LogStreamRow.name).execution_options(
                populate_existing=True
            )
        )
        return [_stream(row) for row in rows]

    async def claim(self, stream_id: str, owner: str, now: datetime, until: datetime) -> bool:
        result = await self._s.execute(
            update(LogStreamRow)
            .where(LogStreamRow.id == stream_id, _lease_free(now))
            .values(lease_owner=owner, lease_until=until)
        )
        return bool(getattr(result, "rowcount", 0))

    async def advance(self, stream_id: str, owner: str, cursor: int) -> bool:
        result = await self._s.execute(
            update(LogStreamRow)
            .where(LogStreamRow.id == stream_id, LogStreamRow.lease_owner == owner)
            .values(
                cursor=cursor,
                failures=0,
                next_attempt_at=None,
                last_error=None,
                lease_owner=None,
                lease_until=None,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def failed(
        self,
        stream_id: str,
        owner: str,
        *,
        failures: int,
        next_attempt_at: datetime | None,
        status: StreamStatus,
        error: str,
    ) -> None:
        await self._s.execute(
            update(LogStreamRow)
            .where(LogStreamRow.id == stream_id, LogStreamRow.lease_owner == owner)
            .values(
                failures=failures,
                next_attempt_at=next_attempt_at,
                status=str(status),
                last_error=error,
                lease_owner=None,
                lease_until=None,
            )
        )

    async def release(self, stream_id: str, owner: str) -> None:
        await self._s.execute(
            update(LogStreamRow)
            .where(LogStreamRow.id == stream_id, LogStreamRow.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )

    async def reset(self, stream_id: str, cursor: int) -> None:
        await self._s.execute(
            update(LogStreamRow)
            .where(LogStreamRow.id == stream_id)
            .values(
                cursor=cursor,
                failures=0,
                status=str(StreamStatus.ACTIVE),
                next_attempt_at=None,
                last_error=None,
                lease_owner=None,
                lease_until=None,
            )
        )
