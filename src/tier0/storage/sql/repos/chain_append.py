"""Appending one event to a tenant's audit chain with prebuilt Core statements (LG-01, LG-03).

Shared by the async :class:`~tier0.storage.sql.repos.events.SqlEventRepo` (which executes
the same statements through its session) and the one-hop writer
(:mod:`tier0.storage.sql.onehop`). The statements are built once: building a SQLAlchemy
statement costs more CPU than SQLite spends running it.

The head row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite write transactions
already hold the database lock from ``BEGIN IMMEDIATE``), so two transactions of one tenant
never link to the same predecessor. It is created on a tenant's first event only.
"""

from __future__ import annotations

import sqlite3
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tier0.audit.canonical import canonical_bytes
from tier0.audit.chain import ChainHead, ChainRecord
from tier0.audit.event import SecurityEvent
from tier0.storage.sql.models.audit import AuditHeadRow, EventRow
from tier0.storage.sql.sqlite_values import db_time

_HEAD = cast(Table, AuditHeadRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)

LOCK_HEAD = (
    select(_HEAD.c.seq, _HEAD.c.hash)
    .where(_HEAD.c.tenant_id == bindparam("b_tenant"))
    .with_for_update()
)
_NEW_HEAD = {"tenant_id": bindparam("b_tenant"), "seq": 0, "hash": b""}
CREATE_HEAD = {
    "postgresql": pg_insert(_HEAD).values(_NEW_HEAD).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(_HEAD).values(_NEW_HEAD).on_conflict_do_nothing(),
}
INSERT_EVENT = insert(_EVENTS)
MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.tenant_id == bindparam("b_tenant"))
    .values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
)


def event_columns(event: SecurityEvent) -> dict[str, Any]:
    """The searchable copies of an event's fields."""
    subject = event.subject
    return {
        "event_id": event.id,
        "type": str(event.type),
        "time": event.time,
        "outcome": str(event.outcome),
        "actor_kind": str(event.actor.kind),
        "actor_id": event.actor.id,
        "subject_kind": subject.kind if subject else None,
        "subject_id": subject.id if subject else None,
        "client_id": event.client_id,
    }


def head_of(tenant_id: str, row: Any) -> ChainHead | None:
    return None if row.seq == 0 else ChainHead(tenant_id, row.seq, row.hash)


def event_row(record: ChainRecord, event: SecurityEvent) -> dict[str, Any]:
    if record.tenant_id != event.tenant_id:
        raise ValueError("the chain record and the event belong to different tenants")
    return {
        "tenant_id": record.tenant_id,
        "seq": record.seq,
        "payload": record.event_bytes,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        **event_columns(event),
    }


def head_move(record: ChainRecord) -> dict[str, Any]:
    return {"b_tenant": record.tenant_id, "b_seq": record.seq, "b_hash": record.hash}


def append_event_sync(conn: Connection, event: SecurityEvent, chain_key: bytes) -> ChainRecord:
    """Append ``event`` to its tenant's chain in ``conn``'s transaction."""
    tenant = {"b_tenant": event.tenant_id}
    row = conn.execute(LOCK_HEAD, tenant).one_or_none()
    if row is None:
        conn.execute(CREATE_HEAD[conn.dialect.name], tenant)
        row = conn.execute(LOCK_HEAD, tenant).one()
    head = head_of(event.tenant_id, row) or ChainHead.start(event.tenant_id, chain_key)
    record = head.extend(canonical_bytes(event), chain_key)
    conn.execute(INSERT_EVENT, event_row(record, event))
    conn.execute(MOVE_HEAD, head_move(record))
    return record


# The same append as plain sqlite3 statements, for OneHopWrites.run_sqlite (the transaction
# already holds the database's write lock, so the head needs no row lock).
_SQLITE_HEAD = "SELECT seq, hash FROM audit_heads WHERE tenant_id = ?"
_SQLITE_CREATE_HEAD = (
    "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, 0, x'') ON CONFLICT DO NOTHING"
)
_SQLITE_INSERT_EVENT = (
    "INSERT INTO events (tenant_id, seq, payload, prev_hash, hash, event_id, type, time,"
    " outcome, actor_kind, actor_id, subject_kind, subject_id, client_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_MOVE_HEAD = "UPDATE audit_heads SET seq = ?, hash = ? WHERE tenant_id = ?"


def append_event_sqlite(
    conn: sqlite3.Connection,
    event: SecurityEvent,
    chain_key: bytes,
    *,
    after: ChainRecord | None = None,
    move_head: bool = True,
) -> ChainRecord:
    """:func:`append_event_sync` on a plain sqlite3 connection inside a write transaction.

    ``after``: the record this transaction appended last to the same tenant's chain, so the
    head is not read again (the write lock is held from ``BEGIN IMMEDIATE`` to commit, so
    nothing else can have moved it). ``move_head=False`` leaves the head row to a later
    :func:`move_head_sqlite` in the same transaction (one head update for all its events)."""
    tenant_id = event.tenant_id
    if after is not None and after.tenant_id == tenant_id:
        head = ChainHead(tenant_id, after.seq, after.hash)
    else:
        row = conn.execute(_SQLITE_HEAD, (tenant_id,)).fetchone()
        if row is None:
            conn.execute(_SQLITE_CREATE_HEAD, (tenant_id,))
            row = (0, b"")
        seq, head_hash = row
        head = (
            ChainHead(tenant_id, seq, head_hash) if seq else ChainHead.start(tenant_id, chain_key)
        )
    record = head.extend(canonical_bytes(event), chain_key)
    subject = event.subject
    conn.execute(
        _SQLITE_INSERT_EVENT,
        (
            tenant_id,
            record.seq,
            record.event_bytes,
            record.prev_hash,
            record.hash,
            event.id,
            str(event.type),
            db_time(event.time),
            str(event.outcome),
            str(event.actor.kind),
            event.actor.id,
            subject.kind if subject else None,
            subject.id if subject else None,
            event.client_id,
        ),
    )
    if move_head:
        move_head_sqlite(conn, record)
    return record


def move_head_sqlite(conn: sqlite3.Connection, record: ChainRecord) -> None:
    """Point the tenant's head row at ``record`` (its chain's last event)."""
    conn.execute(_SQLITE_MOVE_HEAD, (record.seq, record.hash, record.tenant_id))
