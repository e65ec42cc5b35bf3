"""Server-side sign-in sessions of the universal login (SE-01, SE-02, SE-03).

The browser holds a random session id (256 bits from :func:`random_token`, well over
the 128 of ASVS 7.2.3); the database holds only its keyed hash (purpose ``session``), so
a dump of the sessions table signs nobody in. A new id is made at every sign-in and any
session the browser presented before is ended (fixation, ASVS 7.2.4).

Timeouts are checked here, on the server, with the injected clock (SE-03): NIST SP
800-63B-4 §2.2.3 sets AAL2 reauthentication at most 24 hours after sign-in and after 1
hour of inactivity, the deployment's defaults (settings ``session_idle_timeout`` and
``session_absolute_timeout``). Each tenant may choose its own within the deployment's
limits (:class:`tier0.domain.tenant_settings.SessionPolicy`); the tenant's values are
applied at every check, on top of the deadlines stored with the session, so shortening a
tenant's timeouts shortens its live sessions at once (lengthening them never stretches a
session past the deadlines it was given). Each use pushes the idle deadline forward,
never past the absolute one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tier0.clock import Clock
from tier0.crypto.random import random_id, random_token
from tier0.domain import Tenant
from tier0.domain.grants import Session
from tier0.domain.tenant_settings import SessionPolicy, SessionTimeouts
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import Database, UnitOfWork

__all__ = ["SESSION_PURPOSE", "SessionService", "StartedSession"]

SESSION_PURPOSE = "session"
_ID_BYTES = 32


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A new session and the id to put in the cookie (shown to the browser only)."""

    cookie_value: str = field(repr=False)
    session: Session


class SessionService:
    """Starts, finds (checking timeouts) and ends sessions."""

    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        clock: Clock,
        policy: SessionPolicy,
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._clock = clock
        self.policy = policy

    async def _hash(self, tenant: Tenant, cookie_value: str) -> str:
        key = await self._keyring.hash_key(tenant.id)
        return key.digest(cookie_value, purpose=SESSION_PURPOSE)

    async def new(
        self, tenant: Tenant, user_id: str, *, amr: tuple[str, ...], acr: str | None = None
    ) -> StartedSession:
        """A fresh session for ``user_id``, authenticated now, not yet stored."""
        now = self._clock.now()
        timeouts = self.policy.for_tenant(tenant)
        value = random_token(_ID_BYTES)
        expires_at = now + timeouts.absolute
        session = Session(
            tenant_id=tenant.id,
            id_hash=await self._hash(tenant, value),
            sid=random_id("sid_"),
            user_id=user_id,
            auth_time=now,
            amr=amr,
            acr=acr,
            created_at=now,
            last_seen_at=now,
            idle_expires_at=min(now + timeouts.idle, expires_at),
            expires_at=expires_at,
        )
        return StartedSession(value, session)

    async def start(
        self,
        tenant: Tenant,
        user_id: str,
        *,
        amr: tuple[str, ...],
        acr: str | None = None,
        uow: UnitOfWork | None = None,
    ) -> StartedSession:
        """A fresh session for ``user_id``, authenticated now; stored in ``uow`` (the
        sign-in's transaction) when given, else in a transaction of its own."""
        started = await self.new(tenant, user_id, amr=amr, acr=acr)
        if uow is not None:
            await uow.sessions.add(started.session)
        else:
            async with self._db.transaction() as own:
                await own.sessions.add(started.session)
        return started

    async def id_hash(self, tenant: Tenant, cookie_value: str | None) -> str | None:
        """The stored form of a presented session id (None for no or an oversized one)."""
        if not cookie_value or len(cookie_value) > 128:
            return None
        return await self._hash(tenant, cookie_value)

    @staticmethod
    def _deadline(
        session: Session | None, now: datetime, timeouts: SessionTimeouts
    ) -> datetime | None:
        """The absolute expiry of ``session`` if it is alive at ``now`` under both its
        stored deadlines and the tenant's current ``timeouts``, else None."""
        if session is None or session.ended_at is not None:
            return None
        if session.expires_at is None or session.idle_expires_at is None:
            return None
        started = session.created_at or session.auth_time
        last_seen = session.last_seen_at or started
        if started is None or last_seen is None:
            return None
        absolute = min(session.expires_at, started + timeouts.absolute)
        idle = min(session.idle_expires_at, last_seen + timeouts.idle)
        if now >= idle or now >= absolute:
            return None
        return absolute

    async def current(self, tenant: Tenant, cookie_value: str | None) -> Session | None:
        """The live session behind ``cookie_value``, its idle deadline renewed; else None."""
        if not cookie_value or len(cookie_value) > 128:
            return None
        id_hash = await self._hash(tenant, cookie_value)
        now = self._clock.now()
        timeouts = self.policy.for_tenant(tenant)
        async with self._db.transaction() as uow:
            session = await uow.sessions.get(tenant.id, id_hash)
            deadline = self._deadline(session, now, timeouts)
            if deadline is None:
                return None
            await uow.sessions.touch(tenant.id, id_hash, now, min(now + timeouts.idle, deadline))
        return session

    async def end(
        self, tenant: Tenant, cookie_value: str | None, *, uow: UnitOfWork | None = None
    ) -> Session | None:
        """End the session behind ``cookie_value`` (logout, or replaced at sign-in), in
        ``uow`` when given, else in a transaction of its own.

        Returns the session it ended, or None when there was no live one.
        """
        if not cookie_value or len(cookie_value) > 128:
            return None
        id_hash = await self._hash(tenant, cookie_value)
        if uow is not None:
            return await self._end(uow, tenant, id_hash)
        async with self._db.transaction() as own:
            return await self._end(own, tenant, id_hash)

    async def _end(self, uow: UnitOfWork, tenant: Tenant, id_hash: str) -> Session | None:
        session = await uow.sessions.get(tenant.id, id_hash)
        if session is None or not await uow.sessions.end(tenant.id, id_hash, self._clock.now()):
            return None
        return session
