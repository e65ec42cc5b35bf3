"""GDPR export of a user's data (Art. 20, DP-04): profile, sessions, consents and recent
security events as one JSON document; and all users of a tenant as NDJSON. Never a password
hash, a token hash or any other secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.audit.store import EventQuery
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.domain.grants import Grant, Session
from tier0.errors import NotFound
from tier0.storage.ports import Database
from tier0.views import iso, user_view

FORMAT: Final = "tier0-user-export/1"
RECENT_EVENTS: Final = 200
PAGE: Final = 500


def _session(item: Session) -> dict[str, Any]:
    return {
        "sid": item.sid,
        "auth_time": iso(item.auth_time),
        "amr": list(item.amr),
        "created_at": iso(item.created_at),
        "last_seen_at": iso(item.last_seen_at),
        "expires_at": iso(item.expires_at),
        "ended_at": iso(item.ended_at),
    }


def _consent(grant: Grant) -> dict[str, Any]:
    return {
        "client_id": grant.client_id,
        "scope": list(grant.scope),
        "audience": grant.audience,
        "granted_at": iso(grant.created_at),
        "revoked_at": iso(grant.revoked_at),
    }


def _event(event: SecurityEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "date": iso(event.time),
        "type": str(event.type),
        "client_id": event.client_id,
        "ip": event.ip,
        "user_agent": event.user_agent,
    }


class UserExporter:
    """Builds exports and records that they happened (``export.*`` events)."""

    def __init__(self, db: Database, audit: AuditLog, clock: Clock) -> None:
        self._db = db
        self._audit = audit
        self._clock = clock

    def _record(self, kind: EventType, tenant: Tenant, actor: Actor, subject: Subject) -> Any:
        return SecurityEvent.create(
            kind, clock=self._clock, tenant_id=tenant.id, actor=actor, subject=subject
        )

    async def user(self, tenant: Tenant, user_id: str, *, actor: Actor) -> dict[str, Any]:
        """One user's data. The export itself is audited (who, whose, when)."""
        subject = Subject.of("user", user_id)
        async with self._db.read() as uow:
            user = await uow.users.get(tenant.id, user_id)
            if user is None:
                raise NotFound("no such user")
            sessions = await uow.sessions.list_for_user(tenant.id, user_id)
            grants = await uow.grants.list_for_user(tenant.id, user_id)
        events = await self._audit.search(
            EventQuery(tenant_id=tenant.id, user_id=user_id, newest_first=True, limit=RECENT_EVENTS)
        )
        document = {
            "format": FORMAT,
            "exported_at": iso(self._clock.now()),
            "tenant": tenant.name,
            "profile": user_view(user),
            "sessions": [_session(s) for s in sessions],
            "consents": [_consent(g) for g in grants],
            "security_events": [_event(e.event) for e in events],
        }
        await self._audit.emit(self._record(EventType.EXPORT_COMPLETED, tenant, actor, subject))
        return document

    async def all_users(self, tenant: Tenant, *, actor: Actor) -> AsyncIterator[dict[str, Any]]:
        """Every user's profile in creation order, one object per line (NDJSON), no hashes."""
        subject = Subject.of("tenant", tenant.id)
        await self._audit.emit(self._record(EventType.EXPORT_REQUESTED, tenant, actor, subject))
        after = None
        while True:
            async with self._db.read() as uow:
                page = await uow.users.list_after(tenant.id, after, limit=PAGE)
            for user in page:
                yield user_view(user)
            last = page[-1] if page else None
            if last is None or last.created_at is None or len(page) < PAGE:
                break
            after = (last.created_at, last.user_id)
        await self._audit.emit(self._record(EventType.EXPORT_COMPLETED, tenant, actor, subject))
