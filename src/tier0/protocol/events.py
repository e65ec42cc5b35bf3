"""Security events of the token side, recorded in the transaction of the change (LG-01).

A code redemption, a refresh rotation, a reuse that revokes a family and a revocation each
append one event to the tenant's audit chain inside the same transaction as the change, so
the event exists if and only if the change does. Events carry ids, never a token or code
(LG-02). Client-credentials tokens change no state and are not recorded one by one: a
write per machine token would cost more than minting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.storage.ports import UnitOfWork

__all__ = ["EventRecorder", "TokenEvents"]


class EventRecorder(Protocol):
    """Appends an event inside the caller's transaction (``AuditLog.record``)."""

    async def record(self, uow: UnitOfWork, event: SecurityEvent) -> object: ...

    async def chain_key(self, tenant_id: str) -> bytes:
        """The key that links the tenant's events, for storage that appends them itself."""
        ...

    async def counted(self, event: SecurityEvent) -> None:
        """Count an event that storage appended (metrics)."""
        ...


class TokenEvents:
    """Builds and records the token side's events."""

    def __init__(self, recorder: EventRecorder, clock: Clock) -> None:
        self._recorder = recorder
        self._clock = clock

    async def record(
        self,
        uow: UnitOfWork,
        event_type: EventType,
        *,
        tenant_id: str,
        client_id: str,
        user_id: str | None,
        grant_id: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        event = self.build(
            event_type,
            tenant_id=tenant_id,
            client_id=client_id,
            user_id=user_id,
            grant_id=grant_id,
            details=details,
        )
        await self._recorder.record(uow, event)

    def build(
        self,
        event_type: EventType,
        *,
        tenant_id: str,
        client_id: str,
        user_id: str | None,
        grant_id: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> SecurityEvent:
        """The event, for storage that appends it in its own statements (a rotation)."""
        actor = Actor.user(user_id) if user_id else Actor.client(client_id)
        subject = Subject.of("grant", grant_id) if grant_id else None
        return SecurityEvent.create(
            event_type,
            clock=self._clock,
            tenant_id=tenant_id,
            actor=actor,
            subject=subject,
            client_id=client_id,
            details=details,
        )

    async def chain_key(self, tenant_id: str) -> bytes:
        return await self._recorder.chain_key(tenant_id)

    async def counted(self, event: SecurityEvent) -> None:
        await self._recorder.counted(event)
