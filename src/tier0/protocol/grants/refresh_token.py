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
from datetime import datetime
from typing import ClassVar

from tier0.audit.events import EventType
from tier0.crypto.keyed_hash import HashKey
from tier0.domain import Permission, ResourceServer
from tier0.domain.grants import RefreshToken
from tier0.protocol.checks.grant_types import GrantType
from tier0.protocol.checks.scope import has_openid, require_scopes_allowed
from tier0.protocol.errors import InvalidGrant
from tier0.protocol.grants.base import GrantContext, TokenResponse
from tier0.protocol.grants.family import (
    REFRESH_PURPOSE,
    new_refresh_token,
    revoke_family,
)
from tier0.protocol.grants.minting import (
    IdTokenFacts,
    needs_permissions,
    permission_claim,
    rbac_scope,
)
from tier0.protocol.grants.stored import StoredGrant
from tier0.protocol.requests import TokenRequest
from tier0.storage.ports import UnitOfWork

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


class RefreshTokenGrant(StoredGrant):
    """https://www.rfc-editor.org/rfc/rfc6749#section-6"""

    grant_type: ClassVar[GrantType] = GrantType.REFRESH_TOKEN

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
        tenant_id = context.tenant.id
        key = await self._hash_keys.hash_key(tenant_id)
        token_hash = key.digest(request.refresh_token or "", purpose=REFRESH_PURPOSE)
        now = self._clock.now()
        reused = False
        async with self._db.transaction() as uow:
            consumed = await uow.refresh_tokens.consume(tenant_id, token_hash, now)
            if consumed is None:
                raise InvalidGrant(_PUBLIC, debug="unknown refresh token")
            old = consumed.item
            if old.client_id != context.client.client_id:
                # Rolled back: another client's attempt must not burn the owner's token.
                raise InvalidGrant(_PUBLIC, debug="refresh token of another client")
            if not consumed.first_use and old.revoked_at is None:
                # OA-07, RFC 9700 §4.14.2: a rotated-out token again -> revoke the family.
                await revoke_family(uow, tenant_id, old.grant_id, now)
                await self._events.record(
                    uow,
                    EventType.REFRESH_TOKEN_REUSED,
                    tenant_id=tenant_id,
                    client_id=old.client_id,
                    user_id=old.user_id,
                    grant_id=old.grant_id,
                )
                reused = True
            else:
                rotated = await self._checked(uow, key, old, request, context, now)
        if reused:
            raise InvalidGrant(_PUBLIC, debug="refresh token reused; family revoked")
        return rotated

    async def _checked(
        self,
        uow: UnitOfWork,
        key: HashKey,
        old: RefreshToken,
        request: TokenRequest,
        context: GrantContext,
        now: datetime,
    ) -> _Rotated:
        """Lifetimes, grant, user and scope, then the successor (raising rolls back)."""
        if old.revoked_at is not None:
            raise InvalidGrant(_PUBLIC, debug="refresh token revoked")
        expiries = [t for t in (old.expires_at, old.idle_expires_at) if t is not None]
        if not expiries or now >= min(expiries):
            raise InvalidGrant(_PUBLIC, debug="refresh token expired")
        grant = await uow.grants.get(context.tenant.id, old.grant_id)
        if grant is None or grant.revoked_at is not None:
            raise InvalidGrant(_PUBLIC, debug="grant revoked")
        user = await uow.users.get(context.tenant.id, old.user_id)
        if user is None or user.blocked:
            raise InvalidGrant(_PUBLIC, debug="user missing or blocked")
        require_scopes_allowed(request.scope, old.scope)
        api = None
        if old.audience is not None:
            api = await self._api(uow, context.tenant.id, old.audience)
        permissions: tuple[Permission, ...] = ()
        if needs_permissions(api):
            permissions = tuple(await uow.roles.user_permissions(context.tenant.id, user.user_id))
        scope = rbac_scope(request.scope or old.scope, api, permissions)
        value, row = new_refresh_token(
            key, template=old, now=now, idle=self._policy.refresh_idle, parent_hash=old.token_hash
        )
        await uow.refresh_tokens.add(row)
        await self._events.record(
            uow,
            EventType.TOKEN_REFRESHED,
            tenant_id=context.tenant.id,
            client_id=old.client_id,
            user_id=old.user_id,
            grant_id=old.grant_id,
        )
        facts = None
        if has_openid(scope) and grant.auth_time is not None:
            # §12.2: the original sign-in's auth_time, acr and amr; no nonce.
            facts = IdTokenFacts(
                user=user,
                auth_time=grant.auth_time,
                acr=grant.acr,
                amr=grant.amr,
                sid=grant.session_id,
            )
        return _Rotated(old, api, scope, permissions, value, facts)
