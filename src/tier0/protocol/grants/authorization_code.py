"""The authorization code grant (RFC 6749 §4.1.3, OIDC Core §3.1.3; OA-03, OA-05, OA-06).

The code was created by /authorize (the ``login`` side) and is stored as a keyed hash. Here
it is consumed atomically (one conditional UPDATE: exactly one concurrent redemption wins)
and checked against everything it was bound to: client, redirect URI, PKCE (S256, constant
time), DPoP key and a lifetime of at most ``code_lifetime``.

RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server
MUST deny the request and SHOULD revoke (when possible) all tokens previously issued based
on that authorization code." RFC 9700 §4.5 repeats it. A replay therefore answers
``invalid_grant`` **after** revoking the code's whole grant family in the same transaction
(OA-06).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from tier0.audit.event import SecurityEvent
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.keyed_hash import HashKey
from tier0.domain import Permission, ResourceServer, User
from tier0.domain.grants import AuthorizationCode, ConsumedCode, RefreshToken
from tier0.protocol.checks.code_binding import CodeBinding, check_code_redemption
from tier0.protocol.checks.grant_types import GrantType
from tier0.protocol.checks.scope import has_openid, wants_offline_access
from tier0.protocol.errors import InvalidGrant
from tier0.protocol.events import TokenEvents
from tier0.protocol.grants.base import GrantContext, TokenPolicy, TokenResponse
from tier0.protocol.grants.family import CODE_PURPOSE, HashKeys, new_refresh_token
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
from tier0.storage.write_ports import CodeRedemption, CodeRedemptions

__all__ = ["AuthorizationCodeGrant"]

_PUBLIC = "The authorization code is invalid, expired or was already used."


@dataclass(frozen=True, slots=True)
class _Redeemed:
    code: AuthorizationCode
    user: User
    api: ResourceServer | None
    scope: tuple[str, ...]
    permissions: tuple[Permission, ...]
    refresh_token: str | None = field(default=None, repr=False)


class AuthorizationCodeGrant(StoredGrant):
    """https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3"""

    grant_type: ClassVar[GrantType] = GrantType.AUTHORIZATION_CODE

    def __init__(
        self,
        db: Database,
        redemptions: CodeRedemptions,
        hash_keys: HashKeys,
        minter: TokenMinter,
        clock: Clock,
        policy: TokenPolicy,
        events: TokenEvents,
        directory: DirectoryReads | None = None,
    ) -> None:
        super().__init__(db, hash_keys, minter, clock, policy, events, directory)
        self._redemptions = redemptions

    async def handle(self, request: TokenRequest, context: GrantContext) -> TokenResponse:
        redeemed = await self._redeem(request, context)
        code = redeemed.code
        issued = await self._minter.access_token(
            context,
            subject=code.user_id,
            api=redeemed.api,
            scope=redeemed.scope,
            grant_id=code.grant_id,
            auth_time=code.auth_time,
            permissions=permission_claim(redeemed.api, redeemed.permissions),
        )
        id_token = None
        if has_openid(redeemed.scope):
            facts = IdTokenFacts(
                user=redeemed.user,
                auth_time=code.auth_time,
                nonce=code.nonce,
                acr=code.acr,
                amr=code.amr,
                sid=code.session_id,
            )
            id_token = await self._minter.id_token(
                context, facts, scope=redeemed.scope, access_token=issued.token
            )
        return TokenResponse(
            issued.token, issued.expires_in, issued.scope, id_token, redeemed.refresh_token
        )

    async def _redeem(self, request: TokenRequest, context: GrantContext) -> _Redeemed:
        tenant_id = context.tenant.id
        key = await self._hash_keys.hash_key(tenant_id)
        code_hash = key.digest(request.code or "", purpose=CODE_PURPOSE)
        chain_key = await self._events.chain_key(tenant_id)  # before the writer's turn
        now = self._clock.now()
        async with self._redemptions.transaction() as redemption:
            consumed = await redemption.consume(tenant_id, code_hash, now)
            if consumed is None:
                raise InvalidGrant(_PUBLIC, debug="unknown authorization code")
            if consumed.first_use:
                redeemed, event = await self._checked(
                    redemption, key, consumed, request, context, now, chain_key
                )
            else:
                # OA-06 (RFC 6749 §4.1.2): a second use revokes every token of the grant.
                code = consumed.code
                event = self._events.build(
                    EventType.AUTHORIZATION_CODE_REPLAYED,
                    tenant_id=tenant_id,
                    client_id=context.client.client_id,
                    user_id=code.user_id,
                    grant_id=code.grant_id,
                )
                await redemption.revoke_family(tenant_id, code.grant_id, now, event, chain_key)
        await self._events.counted(event)
        # Only now, with the revocation committed, answer the replay (AV-06).
        if not consumed.first_use:
            raise InvalidGrant(_PUBLIC, debug="authorization code replayed; grant revoked")
        return redeemed

    def _binding(self, code: AuthorizationCode) -> CodeBinding:
        created = code.created_at or code.expires_at
        if created is None or code.expires_at is None:
            raise InvalidGrant(_PUBLIC, debug="code without timestamps")
        return CodeBinding(
            client_id=code.client_id,
            redirect_uri=code.redirect_uri,
            # /authorize always records the redirect URI it delivered to, and OIDC requires
            # it there; the token request must repeat it (RFC 6749 §4.1.3).
            redirect_uri_sent=True,
            code_challenge=code.code_challenge or "",
            expires_at=min(code.expires_at, created + self._policy.code_lifetime),
            dpop_jkt=code.dpop_jkt,
        )

    async def _checked(
        self,
        redemption: CodeRedemption,
        key: HashKey,
        consumed: ConsumedCode,
        request: TokenRequest,
        context: GrantContext,
        now: datetime,
        chain_key: bytes,
    ) -> tuple[_Redeemed, SecurityEvent]:
        """Bindings, grant, user and API; raising here rolls the consumption back, so a
        stranger's bad attempt does not burn the rightful client's code."""
        code = consumed.code
        if code.code_challenge is None:
            raise InvalidGrant("PKCE verification failed.", debug="code without challenge")
        check_code_redemption(
            self._binding(code),
            client_id=context.client.client_id,
            redirect_uri=request.redirect_uri,
            code_verifier=request.code_verifier,
            dpop_jkt=None,
            now=now,
        )
        if consumed.grant is None or consumed.grant.revoked_at is not None:
            raise InvalidGrant(_PUBLIC, debug="grant revoked")
        user, api, permissions = await self._subject(redemption, context.tenant.id, code)
        scope = rbac_scope(code.scope, api, permissions)
        refresh, row = None, None
        if self._offline(scope, api, context):
            template = RefreshToken(
                tenant_id=context.tenant.id,
                token_hash="",
                grant_id=code.grant_id,
                client_id=code.client_id,
                user_id=code.user_id,
                scope=scope,
                audience=code.audience,
                expires_at=now + self._policy.refresh_absolute,
            )
            refresh, row = new_refresh_token(
                key, template=template, now=now, idle=self._policy.refresh_idle, parent_hash=None
            )
        event = self._events.build(
            EventType.AUTHORIZATION_CODE_REDEEMED,
            tenant_id=context.tenant.id,
            client_id=code.client_id,
            user_id=code.user_id,
            grant_id=code.grant_id,
            details={"offline_access": refresh is not None},
        )
        await redemption.redeem(row, event, chain_key)
        return _Redeemed(code, user, api, scope, permissions, refresh), event

    async def _subject(
        self, redemption: CodeRedemption, tenant_id: str, code: AuthorizationCode
    ) -> tuple[User, ResourceServer | None, tuple[Permission, ...]]:
        """The user (for the ID token's claims), the API and the user's permissions on it,
        read beside the redemption (see ``CodeRedemption.reads``)."""
        permissions: tuple[Permission, ...] = ()
        user = await redemption.user(tenant_id, code.user_id)
        if user is None or user.blocked:
            raise InvalidGrant(_PUBLIC, debug="user missing or blocked")
        audience = code.audience
        api = None if audience is None else await self._api_cached(tenant_id, audience)
        if (audience is None or api is not None) and not needs_permissions(api):
            return user, api, permissions  # nothing to read: no read transaction either
        async with redemption.reads() as uow:
            if audience is not None and api is None:
                api = await self._api(uow, tenant_id, audience)
            if needs_permissions(api):
                permissions = tuple(await uow.roles.user_permissions(tenant_id, user.user_id))
        return user, api, permissions

    @staticmethod
    def _offline(scope: tuple[str, ...], api: ResourceServer | None, context: GrantContext) -> bool:
        """A refresh token needs ``offline_access`` granted, an API that allows offline
        access (or no API: OIDC only) and a client registered for the refresh grant."""
        return (
            wants_offline_access(scope)
            and (api is None or api.allow_offline_access)
            and GrantType.REFRESH_TOKEN.value in context.client.grant_types
        )
