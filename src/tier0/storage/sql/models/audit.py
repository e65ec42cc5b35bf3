"""Tables of the audit log: chained events, one chain head per tenant, signed checkpoints.

``events`` is append-only: in PostgreSQL the application role is granted INSERT and SELECT
on it and nothing else (see docs/audit.md). ``payload`` holds the canonical event bytes the
chain hashes; the other columns are copies for searching, checked against the payload by
``tier0 audit verify``. No foreign key to ``tenants``: a cascade would be a DELETE on the
events, and the history of a deleted tenant is evidence too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tier0.storage.sql.models.base import Base
from tier0.storage.sql.types import UTCDateTime


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_tenant_type_seq", "tenant_id", "type", "seq"),
        Index("ix_events_tenant_time", "tenant_id", "time"),
        Index("ix_events_tenant_actor", "tenant_id", "actor_id"),
        Index("ix_events_tenant_subject", "tenant_id", "subject_id"),
    )
    tenant_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Not unique-indexed: 128 random bits, read by no query (0007_events_event_id_not_unique).
    event_id: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(8))
    actor_kind: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[str | None] = mapped_column(String(256))
    subject_kind: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(256))
    client_id: Mapped[str | None] = mapped_column(String(256))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHeadRow(Base):
    """The newest record of a tenant's chain; its row lock serialises appends."""

    __tablename__ = "audit_heads"
    tenant_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpointRow(Base):
    """A signed (tenant, seq, hash): proof the chain once reached that point."""

    __tablename__ = "audit_checkpoints"
    tenant_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
