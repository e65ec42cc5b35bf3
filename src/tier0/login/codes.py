"""Issuing authorization codes for the token endpoint to redeem (OA-05).

A code is 256 random bits (:func:`random_token`; OA-05 asks at least 128), handed to the
client once and stored only as its keyed hash under purpose ``authorization-code``
(STYLE.md rule 6). It is bound to the client, the exact redirect URI, the PKCE challenge,
the nonce, the session and its authentication time, and lives 60 seconds by default
(RFC 6749 §4.1.2: "The authorization code MUST expire shortly after it is issued").

Every code starts a :class:`Grant`: the family its tokens descend from, so a replayed
code can revoke all of them (OA-06).
"""

from __future__ import annotations

from datetime import timedelta

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.crypto.random import random_id, random_token
from tier0.domain import Tenant
from tier0.domain.grants import AuthorizationCode, Grant, Session
from tier0.protocol.checks.code_binding import code_expiry
from tier0.protocol.endpoints.authorize import ValidatedAuthorization
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import Database, UnitOfWork
from tier0.storage.write_ports import SignInWrite

__all__ = ["CODE_PURPOSE", "CodeIssuer"]

CODE_PURPOSE = "authorization-code"
_CODE_BYTES = 32


class CodeIssuer:
    """Creates the grant and the code row for a completed authorization."""

    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        clock: Clock,
        *,
        lifetime: timedelta,
        audit: AuditLog,
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._clock = clock
        self._lifetime = lifetime
        self._audit = audit

    async def issue(
        self,
        tenant: Tenant,
        authorization: ValidatedAuthorization,
        session: Session,
        uow: UnitOfWork | None = None,
    ) -> str:
        """Store a new grant and code for ``session``'s user; return the code itself. In
        ``uow`` when given, else in a transaction of its own."""
        code, grant, row, event = await self._new(tenant, authorization, session)
        if uow is not None:
            await self._store(uow, grant, row, event)
        else:
            async with self._db.transaction() as own:
                await self._store(own, grant, row, event)
        return code

    async def stage(
        self,
        tenant: Tenant,
        authorization: ValidatedAuthorization,
        session: Session,
        signin: SignInWrite,
    ) -> str:
        """Stage a new grant and code in a sign-in's transaction (it commits them with the
        session it starts); return the code itself."""
        code, grant, row, event = await self._new(tenant, authorization, session)
        # In the same transaction: the event exists exactly when the code does.
        signin.add_code(grant, row, event, await self._audit.chain_key(tenant.id))
        await self._audit.counted(event)
        return code

    async def _new(
        self, tenant: Tenant, authorization: ValidatedAuthorization, session: Session
    ) -> tuple[str, Grant, AuthorizationCode, SecurityEvent]:
        now = self._clock.now()
        code = random_token(_CODE_BYTES)
        key = await self._keyring.hash_key(tenant.id)
        grant = Grant(
            tenant_id=tenant.id,
            id=random_id("grt_"),
            client_id=authorization.client_id,
            user_id=session.user_id,
            scope=authorization.scope,
            audience=authorization.audience,
            session_id=session.sid,
            created_at=now,
            auth_time=session.auth_time,
            acr=session.acr,
            amr=session.amr,
        )
        row = AuthorizationCode(
            tenant_id=tenant.id,
            code_hash=key.digest(code, purpose=CODE_PURPOSE),
            grant_id=grant.id,
            client_id=authorization.client_id,
            user_id=session.user_id,
            redirect_uri=authorization.redirect_uri,
            scope=authorization.scope,
            audience=authorization.audience,
            nonce=authorization.nonce,
            code_challenge=authorization.code_challenge,
            code_challenge_method=authorization.code_challenge_method,
            auth_time=session.auth_time,
            amr=session.amr,
            acr=session.acr,
            session_id=session.sid,
            dpop_jkt=authorization.dpop_jkt,
            created_at=now,
            expires_at=code_expiry(now, self._lifetime),
        )
        event = SecurityEvent.create(
            EventType.AUTHORIZATION_CODE_ISSUED,
            clock=self._clock,
            tenant_id=tenant.id,
            actor=Actor.user(session.user_id),
            subject=Subject.of("user", session.user_id),
            client_id=authorization.client_id,
            details={"grant_id": grant.id, "scope": " ".join(authorization.scope)},
        )
        return code, grant, row, event

    async def _store(
        self, uow: UnitOfWork, grant: Grant, row: AuthorizationCode, event: SecurityEvent
    ) -> None:
        await uow.grants.add(grant)
        await uow.codes.add(row)
        # In the same transaction: the event exists exactly when the code does.
        await self._audit.record(uow, event)
