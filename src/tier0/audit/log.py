"""The durable audit log: chained events in the database (LG-01, LG-03).

Two ways in, one rule each:

- ``await audit.record(uow, event)`` inside the transaction that makes a change (a user
  created, a refresh token rotated): the event commits or rolls back with the change.
- ``await audit.emit(event)`` for events with no state change of their own (a failed
  sign-in, a rate-limit hit): :class:`AuditLog` is an :class:`~tier0.audit.sink.EventSink`
  and writes the event in a transaction of its own.

The chain key of a tenant is derived from its data key (purpose ``audit-chain``), so it
never sits in the database next to the rows it protects, and crypto-shredding a tenant
also retires its chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Final, Protocol

from tier0.audit.chain import ChainHead, ChainRecord, ChainVerdict, Checkpoint, averify_chain
from tier0.audit.event import SecurityEvent
from tier0.audit.sink import EventSink
from tier0.audit.store import EventQuery, EventRepo, LoggedEvent, append_event
from tier0.clock import Clock

CHAIN_KEY_PURPOSE: Final = "audit-chain"


class ChainKeys(Protocol):
    """Where per-tenant keys come from (the tenant keyring)."""

    async def subkey(self, tenant_id: str, purpose: str) -> bytes: ...


class EventUnit(Protocol):
    """A unit of work that can write events (the storage unit of work has ``events``)."""

    @property
    def events(self) -> EventRepo: ...


class EventDatabase(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[EventUnit]: ...
    def read(self) -> AbstractAsyncContextManager[EventUnit]: ...


class AuditLog:
    """Stores, chains, verifies and searches a tenant's security events."""

    def __init__(
        self,
        db: EventDatabase,
        keys: ChainKeys,
        clock: Clock,
        *,
        forward: EventSink | None = None,
        metrics: EventSink | None = None,
    ) -> None:
        self._db = db
        self._keys = keys
        self._clock = clock
        self._forward = forward
        self._metrics = metrics

    async def chain_key(self, tenant_id: str) -> bytes:
        return await self._keys.subkey(tenant_id, CHAIN_KEY_PURPOSE)

    async def record(self, uow: EventUnit, event: SecurityEvent) -> ChainRecord:
        """Append ``event`` inside the caller's transaction (transactional outbox)."""
        # Fetch the key before locking the chain head, so the lock is held briefly.
        key = await self.chain_key(event.tenant_id)
        record = await append_event(uow.events, event, key)
        # Counted when written: a transaction that later rolls back still counts its event,
        # which only overstates an attempt (metrics are for trends, the chain is the record).
        if self._metrics is not None:
            await self._metrics.emit(event)
        return record

    async def counted(self, event: SecurityEvent) -> None:
        """Count an event that storage appended with :func:`chain_key` itself (metrics)."""
        if self._metrics is not None:
            await self._metrics.emit(event)

    async def emit(self, event: SecurityEvent) -> None:
        """Store ``event`` in its own transaction; then pass it on to ``forward``, if any."""
        key = await self.chain_key(event.tenant_id)
        async with self._db.transaction() as uow:
            await append_event(uow.events, event, key)
        if self._metrics is not None:
            await self._metrics.emit(event)
        if self._forward is not None:
            await self._forward.emit(event)

    async def verify(
        self, tenant_id: str, *, checkpoints: Sequence[Checkpoint] = ()
    ) -> ChainVerdict:
        """Verify the whole chain against the stored and the given checkpoints."""
        key = await self.chain_key(tenant_id)
        async with self._db.read() as uow:
            stored = await uow.events.checkpoints(tenant_id)
            return await averify_chain(
                uow.events.records(tenant_id),
                key,
                tenant_id=tenant_id,
                checkpoints=[*stored, *checkpoints],
            )

    async def checkpoint(self, tenant_id: str) -> Checkpoint:
        """Sign the current head and store the checkpoint (export it too, to keep it safe)."""
        key = await self.chain_key(tenant_id)
        async with self._db.transaction() as uow:
            head = await uow.events.lock_head(tenant_id) or ChainHead.start(tenant_id, key)
            checkpoint = Checkpoint.sign(head, key)
            await uow.events.add_checkpoint(checkpoint, self._clock.now())
        return checkpoint

    async def search(self, query: EventQuery) -> Sequence[LoggedEvent]:
        async with self._db.read() as uow:
            return await uow.events.search(query)
