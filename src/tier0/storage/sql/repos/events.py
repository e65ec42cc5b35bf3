"""Append-only SQL storage of chained security events (LG-01, LG-03).

Appends lock the tenant's row in ``audit_heads`` (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite write transactions already hold the database lock from ``BEGIN IMMEDIATE``), so two
transactions of one tenant never link to the same predecessor. Only core statements are
used here, never ORM objects, so a second event in the same transaction sees the head the
first one moved.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.audit.canonical import CanonicalFormatError, event_from_bytes
from tier0.audit.chain import ChainHead, ChainRecord, Checkpoint
from tier0.audit.event import ActorKind, SecurityEvent
from tier0.audit.store import EventQuery, LoggedEvent
from tier0.storage.sql.models.audit import AuditCheckpointRow, EventRow
from tier0.storage.sql.repos.chain_append import (
    CREATE_HEAD,
    INSERT_EVENT,
    LOCK_HEAD,
    MOVE_HEAD,
    event_columns,
    event_row,
    head_move,
    head_of,
)

PAGE = 500
# Appended to the bytes of a row whose search columns disagree with its chained payload,
# so the chain check reports the row as altered (a NUL never occurs in canonical JSON).
_MISMATCH = b"\x00search-columns-differ-from-payload"


class SqlEventRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def _dialect(self) -> str:
        return self._s.get_bind().dialect.name

    async def lock_head(self, tenant_id: str) -> ChainHead | None:
        tenant = {"b_tenant": tenant_id}
        row = (await self._s.execute(LOCK_HEAD, tenant)).one_or_none()
        if row is None:  # the tenant's first event
            await self._s.execute(CREATE_HEAD[self._dialect()], tenant)
            row = (await self._s.execute(LOCK_HEAD, tenant)).one()
        return head_of(tenant_id, row)

    async def insert(self, record: ChainRecord, event: SecurityEvent) -> None:
        await self._s.execute(INSERT_EVENT, event_row(record, event))
        await self._s.execute(MOVE_HEAD, head_move(record))

    async def records(self, tenant_id: str, *, after_seq: int = 0) -> AsyncIterator[ChainRecord]:
        last = after_seq
        while True:
            rows = (
                await self._s.execute(
                    select(EventRow.__table__)
                    .where(EventRow.tenant_id == tenant_id, EventRow.seq > last)
                    .order_by(EventRow.seq)
                    .limit(PAGE)
                )
            ).all()
            for row in rows:
                yield _record(row)
            if len(rows) < PAGE:
                return
            last = rows[-1].seq

    async def search(self, query: EventQuery) -> Sequence[LoggedEvent]:
        rows = (await self._s.execute(_search(query))).all()
        return [LoggedEvent(row.seq, event_from_bytes(row.payload)) for row in rows]

    async def add_checkpoint(self, checkpoint: Checkpoint, created_at: datetime) -> None:
        exists = await self._s.scalar(
            select(AuditCheckpointRow.seq).where(
                AuditCheckpointRow.tenant_id == checkpoint.tenant_id,
                AuditCheckpointRow.seq == checkpoint.seq,
            )
        )
        if exists is not None:
            return
        await self._s.execute(
            insert(AuditCheckpointRow).values(
                tenant_id=checkpoint.tenant_id,
                seq=checkpoint.seq,
                hash=checkpoint.hash,
                mac=checkpoint.mac,
                created_at=created_at,
            )
        )

    async def checkpoints(self, tenant_id: str) -> Sequence[Checkpoint]:
        rows = await self._s.execute(
            select(AuditCheckpointRow)
            .where(AuditCheckpointRow.tenant_id == tenant_id)
            .order_by(AuditCheckpointRow.seq)
        )
        return [Checkpoint(r.tenant_id, r.seq, r.hash, r.mac) for r in rows.scalars()]


def _record(row: Row[Any]) -> ChainRecord:
    payload = row.payload
    if not _columns_match(row):
        payload += _MISMATCH
    return ChainRecord(row.tenant_id, row.seq, row.prev_hash, payload, row.hash)


def _columns_match(row: Row[Any]) -> bool:
    """Do the search columns say what the chained payload says?"""
    try:
        event = event_from_bytes(row.payload)
    except CanonicalFormatError:
        return True  # the payload itself is bad: the chain check reports it as altered
    expected = {"tenant_id": event.tenant_id, **event_columns(event)}
    return all(getattr(row, name) == value for name, value in expected.items())


def _search(query: EventQuery) -> Select[int, bytes]:
    stmt = select(EventRow.seq, EventRow.payload).where(
        EventRow.tenant_id == query.tenant_id, EventRow.seq > query.after_seq
    )
    if query.types:
        stmt = stmt.where(EventRow.type.in_([str(t) for t in query.types]))
    if query.user_id is not None:
        stmt = stmt.where(
            or_(
                (EventRow.actor_id == query.user_id)
                & EventRow.actor_kind.in_([str(ActorKind.USER), str(ActorKind.ADMIN)]),
                (EventRow.subject_kind == "user") & (EventRow.subject_id == query.user_id),
            )
        )
    if query.since is not None:
        stmt = stmt.where(EventRow.time >= query.since)
    if query.until is not None:
        stmt = stmt.where(EventRow.time < query.until)
    order = EventRow.seq.desc() if query.newest_first else EventRow.seq.asc()
    return stmt.order_by(order).limit(query.limit)
