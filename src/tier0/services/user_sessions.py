"""A user's sign-in sessions and refresh-token families, as an administrator sees and ends
them (Auth0's ``/users/{id}/sessions``, ``/sessions/{id}``, ``/users/{id}/refresh-tokens``
and ``/refresh-tokens/{id}``).

A session is named by its public ``sid`` (never the cookie value, whose keyed hash is all the
store holds). A refresh token is named by its family, the grant it was issued under:
rotation replaces the token at every use, so the family is what stays the same, and revoking
it (RFC 6749 §10.4, OAuth 2.0 Security BCP §4.14.2) kills the live token and the grant, so
access tokens of the grant fail introspection too. Ending a session also revokes the
families issued from it, so an administrator's "sign this session out" leaves no refresh
token behind. Each change is audited in its own transaction, with the acting client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.domain.grants import Grant, RefreshToken, Session
from tier0.errors import NotFound
from tier0.protocol.grants.family import revoke_family
from tier0.storage.ports import Database, UnitOfWork


@dataclass(frozen=True, slots=True)
class RefreshFamily:
    """One live refresh-token family: its grant and its current token."""

    grant: Grant
    token: RefreshToken


class UserSessionService:
    def __init__(self, db: Database, audit: AuditLog, clock: Clock) -> None:
        self._db = db
        self._audit = audit
        self._clock = clock

    async def _user(self, uow: UnitOfWork, tenant: Tenant, user_id: str) -> None:
        if await uow.users.get(tenant.id, user_id) is None:
            raise NotFound("no such user")

    def _alive(self, session: Session, now: datetime) -> bool:
        ends = (session.expires_at, session.idle_expires_at)
        return session.ended_at is None and all(e is None or e > now for e in ends)

    async def sessions(self, tenant: Tenant, user_id: str) -> Sequence[Session]:
        """The user's live sessions, oldest first."""
        now = self._clock.now()
        async with self._db.read() as uow:
            await self._user(uow, tenant, user_id)
            found = await uow.sessions.list_for_user(tenant.id, user_id)
        return [s for s in found if self._alive(s, now)]

    async def refresh_tokens(self, tenant: Tenant, user_id: str) -> Sequence[RefreshFamily]:
        """The user's live refresh-token families, oldest first."""
        now = self._clock.now()
        async with self._db.read() as uow:
            await self._user(uow, tenant, user_id)
            grants = {g.id: g for g in await uow.grants.list_for_user(tenant.id, user_id)}
            tokens = await uow.refresh_tokens.list_for_user(tenant.id, user_id)
        live: dict[str, RefreshFamily] = {}
        for token in tokens:
            ends = (token.expires_at, token.idle_expires_at)
            if token.grant_id in grants and all(e is None or e > now for e in ends):
                live[token.grant_id] = RefreshFamily(grants[token.grant_id], token)
        return list(live.values())

    async def end_session(self, tenant: Tenant, sid: str, *, actor: Actor) -> None:
        """End one session and revoke the refresh-token families issued from it."""
        now = self._clock.now()
        async with self._db.transaction() as uow:
            session = await uow.sessions.get_by_sid(tenant.id, sid)
            if session is None or not self._alive(session, now):
                raise NotFound("no such session")
            await uow.sessions.end(tenant.id, session.id_hash, now)
            revoked = await self._revoke_from(uow, tenant, session.user_id, {sid}, now)
            details: dict[str, object] = {
                "user_id": session.user_id,
                "refresh_tokens_revoked": revoked,
            }
            await self._record(uow, tenant, actor, ("session", sid), details)

    async def end_user_sessions(self, tenant: Tenant, user_id: str, *, actor: Actor) -> int:
        """End every session of a user (and their families); returns how many ended."""
        now = self._clock.now()
        async with self._db.transaction() as uow:
            await self._user(uow, tenant, user_id)
            sids = {s.sid for s in await uow.sessions.list_for_user(tenant.id, user_id)}
            ended = await uow.sessions.end_all_for_user(tenant.id, user_id, now)
            revoked = await self._revoke_from(uow, tenant, user_id, sids, now)
            details: dict[str, object] = {
                "sessions_ended": ended,
                "refresh_tokens_revoked": revoked,
            }
            await self._record(uow, tenant, actor, ("user", user_id), details)
        return ended

    async def revoke_refresh_token(self, tenant: Tenant, family_id: str, *, actor: Actor) -> None:
        """Revoke a refresh-token family: its grant and every token of it."""
        now = self._clock.now()
        async with self._db.transaction() as uow:
            grant = await uow.grants.get(tenant.id, family_id)
            if grant is None or grant.revoked_at is not None:
                raise NotFound("no such refresh token")
            await revoke_family(uow, tenant.id, grant.id, now)
            event = self._event(
                EventType.MANAGEMENT_REFRESH_TOKENS_DELETED,
                tenant,
                actor,
                ("refresh_token", grant.id),
                {"user_id": grant.user_id, "client_id": grant.client_id},
            )
            await self._audit.record(uow, event)

    async def _revoke_from(
        self, uow: UnitOfWork, tenant: Tenant, user_id: str, sids: set[str], now: datetime
    ) -> int:
        revoked = 0
        for grant in await uow.grants.list_for_user(tenant.id, user_id):
            if grant.session_id is not None and grant.session_id in sids:
                await revoke_family(uow, tenant.id, grant.id, now)
                revoked += 1
        return revoked

    def _event(
        self,
        event_type: EventType,
        tenant: Tenant,
        actor: Actor,
        subject: tuple[str, str],
        details: dict[str, object],
    ) -> SecurityEvent:
        return SecurityEvent.create(
            event_type,
            clock=self._clock,
            tenant_id=tenant.id,
            actor=actor,
            subject=Subject.of(*subject),
            details=details,
        )

    async def _record(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        actor: Actor,
        subject: tuple[str, str],
        details: dict[str, object],
    ) -> None:
        event = self._event(EventType.MANAGEMENT_SESSIONS_DELETED, tenant, actor, subject, details)
        await self._audit.record(uow, event)
