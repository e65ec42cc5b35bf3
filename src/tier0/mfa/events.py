"""Security events of MFA (issue 10, LG-01): enrollment, removal, challenges, recovery
codes, throttling and passkey counter regressions.

A change and its event share one transaction (:meth:`MfaEvents.record`); a refusal changes
nothing, so its event gets a transaction of its own (:meth:`MfaEvents.emit`). Details name
the factor kind, never a code, seed or key.
"""

from __future__ import annotations

from collections.abc import Mapping

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.storage.ports import Database, UnitOfWork

__all__ = ["MfaEvents"]


class MfaEvents:
    def __init__(self, db: Database, audit: AuditLog | None, clock: Clock) -> None:
        self._db = db
        self._audit = audit
        self._clock = clock

    def _event(
        self,
        kind: EventType,
        tenant_id: str,
        user_id: str,
        ip: str | None,
        details: Mapping[str, object],
    ) -> SecurityEvent:
        return SecurityEvent.create(
            kind,
            clock=self._clock,
            tenant_id=tenant_id,
            actor=Actor.user(user_id),
            subject=Subject.of("user", user_id),
            ip=ip or None,
            details=details,
        )

    async def record(
        self,
        uow: UnitOfWork,
        kind: EventType,
        tenant_id: str,
        user_id: str,
        *,
        ip: str | None = None,
        **details: object,
    ) -> None:
        """Append the event inside the caller's transaction (it exists iff the change does)."""
        if self._audit is not None:
            await self._audit.record(uow, self._event(kind, tenant_id, user_id, ip, details))

    async def emit(
        self,
        kind: EventType,
        tenant_id: str,
        user_id: str,
        *,
        ip: str | None = None,
        **details: object,
    ) -> None:
        """Append the event in a transaction of its own (refusals, notifications)."""
        if self._audit is None:
            return
        async with self._db.transaction() as uow:
            await self.record(uow, kind, tenant_id, user_id, ip=ip, **details)
