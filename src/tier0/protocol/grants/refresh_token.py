"""The refresh token grant with rotation (RFC 6749 §6; OA-07, OA-08).

Every use consumes the presented refresh token atomically and issues a successor with the
same absolute expiry. RFC 9700 §4.14.2: "the authorization server issues a new refresh
token with every access token refresh response. The previous refresh token is invalidated
but information about the relationship is retained by the authorization server. If a
refresh token is compromised and subsequently used by both the attacker and the legitimate
client, one of them will present an invalidated refresh token, which will inform the
authorization server of the breach. The authorization server cannot determine which party
submitted the invalid refresh token, but it will revoke the active refresh token. This
stops the attack at the cost of forcing the legitimate client to obtain a fresh
authorization grant." So a consumed token presented again revokes the whole family.

RFC 6749 §6: "The requested scope MUST NOT include any scope not originally granted by the
resource owner" (``invalid_scope``), and "If a new refresh token is issued, the refresh
token scope MUST be identical to that of the refresh token included by the client". The
token is bound to the client it was issued to (§6: "the authorization server MUST ...
validate the refresh token" and "ensure that the refresh token was issued to the
authenticated client"). Idle and absolute lifetimes bound it (OA-08); a revoked grant or a
blocked user ends it (SE-05).

OIDC Core §12.2: when the grant has the ``openid`` scope, the response carries a fresh ID
token: "its iss Claim Value MUST be the same as in the ID Token issued when the original
authentication occurred, its sub Claim Value MUST be the same ..., its iat Claim MUST
represent the time that the new ID Token is issued, its aud Claim Value MUST be the same
..., if the ID Token contains an auth_time Claim, its value MUST represent the time of the
original authentication - not the time that the new ID token is issued, ... it SHOULD NOT
have a nonce Claim Value". The grant keeps ``auth_time``, ``acr`` and ``amr`` of the sign-in
behind it; a grant made before it kept them gets no ID token (the response is valid without
one, and a wrong ``auth_time`` would not be).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from tier0.audit.event import SecurityEvent
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.keyed_hash import HashKey
from tier0.domain import Permission, ResourceServer, User
from tier0.domain.grants import ConsumedRefresh, RefreshToken
from tier0.protocol.checks.grant_types import GrantType
from tier0.protocol.checks.scope import has_openid, require_scopes_allowed
from tier0.protocol.errors import InvalidGrant
from tier0.protocol.events import TokenEvents
from tier0.protocol.grants.base import GrantContext, TokenPolicy, TokenResponse
from tier0.protocol.grants.family import REFRESH_PURPOSE, HashKeys, new_refresh_token
from tier0.protocol.grants.minting import (
    IdTokenFacts,
    TokenMinter,
    needs_permissions,
    permission_claim,
    rbac_scope,
)
from tier0.protocol.grants.stored import StoredGrant
from tier0.protocol.requests import TokenRequest
from tier0.storage.ports import Database, DirectoryReads
from tier0.storage.write_ports import RefreshRotations, RevokeFamily, RotateTo, RotationVerdict

__all__ = ["RefreshTokenGrant"]

_PUBLIC = "The refresh token is invalid, expired or revoked."


@dataclass(frozen=True, slots=True)
class _Rotated:
    old: RefreshToken
    api: ResourceServer | None
    scope: tuple[str, ...]
    permissions: tuple[Permission, ...]
    refresh_token: str = field(repr=False)
    id_token_facts: IdTokenFacts | None = None


class _Judge:
    """The rotation's checks, run by the storage inside the write transaction (so they
    must stay pure and synchronous). Keeps what it found and the successor's value for
    after the commit; the value itself never reaches the storage, only its hash."""

    def __init__(
        self,
        events: TokenEvents,
        key: HashKey,
        request: TokenRequest,
        context: GrantContext,
        now: datetime,
        idle: timedelta,
    ) -> None:
        self._events = events
        self._key = key
        self._request = request
        self._client_id = context.client.client_id
        self._now = now
        self._idle = idle
        self.found: ConsumedRefresh | None = None
        self.value = ""

    def __call__(self, found: ConsumedRefresh | None) -> RotationVerdict:
        if found is None:
            raise InvalidGrant(_PUBLIC, debug="unknown refresh token")
        old = found.token
        if old.client_id != self._client_id:
            # Rolled back: another client's attempt must not burn the owner's token.
            raise InvalidGrant(_PUBLIC, debug="refresh token of another client")
        if not found.first_use and old.revoked_at is None:
            # OA-07, RFC 9700 §4.14.2: a rotated-out token again -> revoke the family.
            return RevokeFamily(old.grant_id, self._event(EventType.REFRESH_TOKEN_REUSED, old))
        self._check(found)
        self.value, successor = new_refresh_token(
            self._key, template=old, now=self._now, idle=self._idle, parent_hash=old.token_hash
        )
        self.found = found
        return RotateTo(successor, self._event(EventType.TOKEN_REFRESHED, old))

    def _check(self, found: ConsumedRefresh) -> None:
        """Lifetimes (OA-08), grant, user and scope; raising rolls back."""
        old, now = found.token, self._now
        if old.revoked_at is not None:
            raise InvalidGrant(_PUBLIC, debug="refresh token revoked")
        expiries = [t for t in (old.expires_at, old.idle_expires_at) if t is not None]
        if not expiries or now >= min(expiries):
            raise InvalidGrant(_PUBLIC, debug="refresh token expired")
        if found.grant is None or found.grant.revoked_at is not None:
            raise InvalidGrant(_PUBLIC, debug="grant revoked")
        if not found.user_active:
            raise InvalidGrant(_PUBLIC, debug="user missing or blocked")
        require_scopes_allowed(self._request.scope, old.scope)

    def _event(self, event_type: EventType, old: RefreshToken) -> SecurityEvent:
        return self._events.build(
            event_type,
            tenant_id=old.tenant_id,
            client_id=old.client_id,
            user_id=old.user_id,
            grant_id=old.grant_id,
        )


class RefreshTokenGrant(StoredGrant):
    """https://www.rfc-editor.org/rfc/rfc6749#section-6"""

    grant_type: ClassVar[GrantType] = GrantType.REFRESH_TOKEN

    def __init__(
        self,
        db: Database,
        rotations: RefreshRotations,
        hash_keys: HashKeys,
        minter: TokenMinter,
        clock: Clock,
        policy: TokenPolicy,
        events: TokenEvents,
        directory: DirectoryReads | None = None,
    ) -> None:
        super().__init__(db, hash_keys, minter, clock, policy, events, directory)
        self._rotations = rotations

    async def handle(self, request: TokenRequest, context: GrantContext) -> TokenResponse:
        rotated = await self._rotate(request, context)
        issued = await self._minter.access_token(
            context,
            subject=rotated.old.user_id,
            api=rotated.api,
            scope=rotated.scope,
            grant_id=rotated.old.grant_id,
            permissions=permission_claim(rotated.api, rotated.permissions),
        )
        id_token = None
        if rotated.id_token_facts is not None:
            id_token = await self._minter.id_token(
                context, rotated.id_token_facts, scope=rotated.scope, access_token=issued.token
            )
        return TokenResponse(
            issued.token,
            issued.expires_in,
            issued.scope,
            id_token,
            refresh_token=rotated.refresh_token,
        )

    async def _rotate(self, request: TokenRequest, context: GrantContext) -> _Rotated:
        """One write transaction, one round trip: the storage consumes the token and reads
        its grant and user, :class:`_Judge` decides, the storage writes the successor or
        revokes the family, each with its audit event. A rejection rolls back."""
        tenant_id = context.tenant.id
        key = await self._hash_keys.hash_key(tenant_id)
        token_hash = key.digest(request.refresh_token or "", purpose=REFRESH_PURPOSE)
        chain_key = await self._events.chain_key(tenant_id)  # before the writer's turn
        now = self._clock.now()
        judge = _Judge(self._events, key, request, context, now, self._policy.refresh_idle)
        verdict = await self._rotations.rotate(tenant_id, token_hash, now, chain_key, judge)
        await self._events.counted(verdict.event)
        if isinstance(verdict, RevokeFamily) or judge.found is None:
            raise InvalidGrant(_PUBLIC, debug="refresh token reused; family revoked")
        return await self._after_commit(judge.found, request, context, judge.value)

    async def _after_commit(
        self, found: ConsumedRefresh, request: TokenRequest, context: GrantContext, value: str
    ) -> _Rotated:
        """What minting needs beyond the rotation: the API (from the directory cache), the
        user's permissions on an RBAC API and, for an ID token, the user's claims. Read
        after the commit so the writer's turn stays short; none of it decides the rotation."""
        old, grant = found.token, found.grant
        tenant_id = context.tenant.id
        api = None
        if old.audience is not None:
            api = await self._api_outside(tenant_id, old.audience)
        requested = request.scope or old.scope
        # A grant made before grants kept auth_time gets no ID token (see the docstring).
        auth = grant if grant is not None and grant.auth_time is not None else None
        wants_id_token = auth is not None and has_openid(requested)
        permissions: tuple[Permission, ...] = ()
        user: User | None = None
        if needs_permissions(api) or wants_id_token:
            async with self._db.read() as uow:
                if needs_permissions(api):
                    permissions = tuple(await uow.roles.user_permissions(tenant_id, old.user_id))
                if wants_id_token:
                    user = await uow.users.get(tenant_id, old.user_id)
                    if user is None:  # erased since the rotation committed
                        raise InvalidGrant(_PUBLIC, debug="user missing")
        scope = rbac_scope(requested, api, permissions)
        facts = None
        if auth is not None and auth.auth_time is not None and user and has_openid(scope):
            # §12.2: the original sign-in's auth_time, acr and amr; no nonce.
            facts = IdTokenFacts(
                user=user, auth_time=auth.auth_time, acr=auth.acr, amr=auth.amr, sid=auth.session_id
            )
        return _Rotated(old, api, scope, permissions, value, facts)
