"""Incident response actions, each one transaction and each one audited.

- :meth:`IncidentService.lockdown_user`: block the account, drop its password hash (the
  user must reset before signing in again), end every session, revoke every grant and
  refresh-token family; one ``incident.user_locked_down`` event with the counts.
- :meth:`IncidentService.revoke_sessions`: end the sessions of one user, or of every user
  of the tenant (paged, one transaction per page).
- :meth:`IncidentService.rotate_keys`: emergency signing-key rotation: a new key signs at
  once and the old one is withdrawn, so every token it signed stops verifying.

Notification happens through the events: ``incident.*`` is in the ``management.success``
category, which log streams and alert webhooks can subscribe to. The runbook is
docs/incident-response.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Protocol

from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.errors import NotFound
from tier0.storage.ports import Database, UnitOfWork

PAGE: Final = 200


class EmergencyRotation(Protocol):
    """The part of the key service an emergency rotation needs."""

    async def rotate(
        self,
        tenant_id: str,
        *,
        alg: str | None = None,
        emergency: bool = False,
        by: ChangedBy,
        also: Sequence[SecurityEvent] = (),
    ) -> object: ...


@dataclass(frozen=True, slots=True)
class LockdownReport:
    user_id: str
    sessions_ended: int
    grants_revoked: int
    refresh_tokens_revoked: int


class IncidentService:
    def __init__(
        self, db: Database, audit: AuditLog, keys: EmergencyRotation, clock: Clock
    ) -> None:
        self._db = db
        self._audit = audit
        self._keys = keys
        self._clock = clock

    def _event(
        self,
        event_type: EventType,
        tenant_id: str,
        actor: Actor,
        subject: Subject | None,
        details: dict[str, object],
    ) -> SecurityEvent:
        return SecurityEvent.create(
            event_type,
            clock=self._clock,
            tenant_id=tenant_id,
            actor=actor,
            subject=subject,
            details=details,
        )

    async def lockdown_user(self, tenant_id: str, user_id: str, *, actor: Actor) -> LockdownReport:
        now = self._clock.now()
        async with self._db.transaction() as uow:
            user = await uow.users.get(tenant_id, user_id)
            if user is None:
                raise NotFound("no such user")
            await uow.users.update(replace(user, blocked=True, password_hash=None, updated_at=now))
            sessions = await uow.sessions.end_all_for_user(tenant_id, user_id, now)
            families = await _revoke_families(uow, tenant_id, user_id, now)
            grants = await uow.grants.revoke_for_user(tenant_id, user_id, now)
            report = LockdownReport(user_id, sessions, grants, families)
            details: dict[str, object] = {
                "sessions_ended": sessions,
                "grants_revoked": grants,
                "refresh_tokens_revoked": families,
                "reset_required": True,
            }
            event = self._event(
                EventType.INCIDENT_USER_LOCKED_DOWN,
                tenant_id,
                actor,
                Subject("user", user_id),
                details,
            )
            await self._audit.record(uow, event)
        return report

    async def revoke_sessions(
        self, tenant_id: str, *, actor: Actor, user_id: str | None = None
    ) -> int:
        """End one user's sessions, or (``user_id=None``) every session of the tenant."""
        if user_id is not None:
            return await self._end_for(tenant_id, [user_id], actor, scope="user")
        total = 0
        after: tuple[datetime, str] | None = None
        while True:
            async with self._db.read() as uow:
                users = await uow.users.list_after(tenant_id, after, limit=PAGE)
            if not users:
                break
            total += await self._end_for(tenant_id, [u.user_id for u in users], actor, scope="all")
            last = users[-1]
            if last.created_at is None:
                break
            after = (last.created_at, last.user_id)
        return total

    async def _end_for(
        self, tenant_id: str, user_ids: list[str], actor: Actor, *, scope: str
    ) -> int:
        now = self._clock.now()
        async with self._db.transaction() as uow:
            if scope == "user" and await uow.users.get(tenant_id, user_ids[0]) is None:
                raise NotFound("no such user")
            ended = 0
            for user_id in user_ids:
                ended += await uow.sessions.end_all_for_user(tenant_id, user_id, now)
            subject = Subject("user", user_ids[0]) if scope == "user" else None
            details: dict[str, object] = {"scope": scope, "sessions_ended": ended}
            if scope == "all":
                details["users"] = len(user_ids)
            event = self._event(
                EventType.INCIDENT_SESSIONS_REVOKED, tenant_id, actor, subject, details
            )
            await self._audit.record(uow, event)
        return ended

    async def rotate_keys(self, tenant_id: str, *, actor: Actor, alg: str | None = None) -> None:
        """Emergency rotation: the current signing keys are withdrawn at once."""
        # The rotation writes its key.withdrawn event and this incident's in its transaction.
        details: dict[str, object] = {"alg": alg or "default", "emergency": True}
        incident = self._event(EventType.INCIDENT_KEYS_ROTATED, tenant_id, actor, None, details)
        by = ChangedBy(actor, "incident")
        await self._keys.rotate(tenant_id, alg=alg, emergency=True, by=by, also=(incident,))


async def _revoke_families(uow: UnitOfWork, tenant_id: str, user_id: str, now: datetime) -> int:
    """Revoke every refresh-token family of the user; returns how many tokens died."""
    revoked = 0
    for grant in await uow.grants.list_for_user(tenant_id, user_id):
        revoked += await uow.refresh_tokens.revoke_family(tenant_id, grant.id, now)
    return revoked
