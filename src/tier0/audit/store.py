"""The storage port of the audit log, and the one place that appends to a chain.

The ``events`` table is the transactional outbox: an event is inserted by the same
transaction as the change it describes, so a committed change always has its event and a
rolled-back one never does. Appending also extends the tenant's hash chain; the chain head
is locked for the rest of the transaction, so concurrent writers of one tenant queue
instead of forking the chain.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tier0.audit.canonical import canonical_bytes
from tier0.audit.chain import ChainHead, ChainRecord, Checkpoint
from tier0.audit.event import SecurityEvent
from tier0.audit.events import EventType

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as stored: its place in the tenant's chain, and the event itself."""

    seq: int
    event: SecurityEvent


@dataclass(frozen=True, slots=True)
class EventQuery:
    """What ``tier0 log search`` asks for. ``user_id`` matches the actor or the subject."""

    tenant_id: str
    types: Sequence[EventType] = field(default=())
    user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0
    limit: int = 100
    newest_first: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1..{MAX_PAGE}")
        if self.after_seq < 0:
            raise ValueError("after_seq must not be negative")


class EventRepo(Protocol):
    """Append-only storage of chained events (the app role needs INSERT and SELECT only)."""

    async def lock_head(self, tenant_id: str) -> ChainHead | None:
        """The tenant's chain head, locked until the transaction ends; None if no events."""
        ...

    async def insert(self, record: ChainRecord, event: SecurityEvent) -> None:
        """Store one chained event and move the head to it."""
        ...

    def records(self, tenant_id: str, *, after_seq: int = 0) -> AsyncIterator[ChainRecord]:
        """Every record of the tenant's chain in sequence order, fetched in pages."""
        ...

    async def search(self, query: EventQuery) -> Sequence[LoggedEvent]: ...

    async def add_checkpoint(self, checkpoint: Checkpoint, created_at: datetime) -> None: ...

    async def checkpoints(self, tenant_id: str) -> Sequence[Checkpoint]: ...


async def append_event(repo: EventRepo, event: SecurityEvent, chain_key: bytes) -> ChainRecord:
    """Append ``event`` to its tenant's chain inside the caller's transaction."""
    head = await repo.lock_head(event.tenant_id)
    if head is None:
        head = ChainHead.start(event.tenant_id, chain_key)
    record = head.extend(canonical_bytes(event), chain_key)
    await repo.insert(record, event)
    return record
