"""The relay: moves events from the outbox to each stream, at least once and in order.

One pass (:meth:`Relay.run_once`):

1. find active streams that are due, and take each one's lease with a conditional update
   (only one node wins; a crashed node's lease simply expires);
2. read the tenant's events after the stream's cursor, keep those its filter wants, and
   hand them to the sender as one batch;
3. on success move the cursor to the batch's last sequence number (fenced by the lease);
   on failure count it and back off exponentially; after ``max_failures`` the stream is
   dead-lettered until an operator replays it.

Delivery happens outside any database transaction, so a slow or dead destination holds no
lock and never slows sign-ins; the request path only inserts into the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from tier0.audit.changes import EventRecorder
from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.prometheus import Metrics
from tier0.audit.store import EventQuery, EventRepo
from tier0.audit.streams.model import LogStream, StreamStatus, stream_record
from tier0.audit.streams.senders import DeliveryError, Sender
from tier0.audit.streams.store import StreamRepo
from tier0.clock import Clock

logger = logging.getLogger(__name__)


class RelayUnit(Protocol):
    @property
    def events(self) -> EventRepo: ...
    @property
    def streams(self) -> StreamRepo: ...


class RelayDatabase(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[RelayUnit]: ...
    def read(self) -> AbstractAsyncContextManager[RelayUnit]: ...


SenderFactory = Callable[[LogStream], Awaitable[Sender]]


@dataclass(frozen=True, slots=True)
class RelayPolicy:
    batch: int = 100
    lease: timedelta = timedelta(seconds=60)
    max_failures: int = 10
    base_backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(minutes=10)

    def backoff(self, failures: int) -> timedelta:
        """1 s, 2 s, 4 s, ... capped: exponential backoff after the n-th failure."""
        step: timedelta = self.base_backoff * (2 ** max(failures - 1, 0))
        return min(step, self.max_backoff)


class Relay:
    def __init__(
        self,
        db: RelayDatabase,
        senders: SenderFactory,
        clock: Clock,
        *,
        node_id: str,
        policy: RelayPolicy | None = None,
        events: EventRecorder | None = None,
        tenants: Collection[str] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._db = db
        self._senders = senders
        self._clock = clock
        self._node = node_id
        self._policy = policy or RelayPolicy()
        self._events = events
        self._tenants = None if tenants is None else frozenset(tenants)
        self._metrics = metrics

    async def run_once(self) -> int:
        """One pass over every due stream (of ``tenants``, if given: relays can be sharded).

        Returns how many events the cursors moved past, delivered or filtered out; zero
        means there was nothing to do.
        """
        now = self._clock.now()
        async with self._db.read() as uow:
            due = await uow.streams.due(now, tenants=self._tenants)
        delivered = 0
        for candidate in due:
            async with self._db.transaction() as uow:
                until = now + self._policy.lease
                won = await uow.streams.claim(candidate.id, self._node, now, until)
                # Re-read under the lease: another node may have moved the cursor meanwhile.
                stream = await uow.streams.get(candidate.tenant_id, candidate.id) if won else None
            if stream is not None:
                delivered += await self._deliver(stream)
        return delivered

    async def run(self, stop: asyncio.Event, *, idle: float = 1.0) -> None:
        """Relay until ``stop`` is set, resting ``idle`` seconds when nothing was due."""
        while not stop.is_set():
            try:
                busy = await self.run_once() > 0
            except Exception:
                logger.exception("relay pass failed")
                busy = False
            if not busy:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle)

    async def _deliver(self, stream: LogStream) -> int:
        query = EventQuery(
            tenant_id=stream.tenant_id, after_seq=stream.cursor, limit=self._policy.batch
        )
        async with self._db.read() as uow:
            items = await uow.events.search(query)
        if not items:
            async with self._db.transaction() as uow:
                await uow.streams.release(stream.id, self._node)
            return 0
        wanted = [stream_record(item) for item in items if stream.wants(item)]
        lag = (self._clock.now() - items[0].event.time).total_seconds()
        try:
            if wanted:
                sender = await self._senders(stream)
                await sender.send(wanted)
        except DeliveryError as exc:
            await self._failed(stream, str(exc), lag)
            return 0
        except Exception as exc:  # noqa: BLE001 - one broken stream must not stop the others
            await self._failed(stream, f"unexpected {type(exc).__name__}", lag)
            return 0
        async with self._db.transaction() as uow:
            await uow.streams.advance(stream.id, self._node, items[-1].seq)
        if self._metrics is not None:
            self._metrics.stream_delivered(str(stream.kind), len(items), lag)
        return len(items)

    async def _failed(self, stream: LogStream, error: str, lag: float) -> None:
        failures = stream.failures + 1
        dead = failures >= self._policy.max_failures
        if self._metrics is not None:
            self._metrics.stream_failed(str(stream.kind), lag, dead=dead)
        status = StreamStatus.DEAD if dead else StreamStatus.ACTIVE
        next_at = None if dead else self._clock.now() + self._policy.backoff(failures)
        logger.warning("log stream %s failed (%d): %s", stream.id, failures, error)
        async with self._db.transaction() as uow:
            await uow.streams.failed(
                stream.id,
                self._node,
                failures=failures,
                next_attempt_at=next_at,
                status=status,
                error=error[:300],
            )
            if dead and self._events is not None:
                # In the transaction that dead-letters the stream (issue #6 outbox).
                event = SecurityEvent.create(
                    EventType.LOG_STREAM_DEAD_LETTERED,
                    clock=self._clock,
                    tenant_id=stream.tenant_id,
                    actor=Actor.system("relay"),
                    subject=Subject("log_stream", stream.id),
                    details={"failures": failures, "cursor": stream.cursor, "error": error},
                )
                await self._events.record(uow, event)
