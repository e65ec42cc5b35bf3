"""Finding out what a presented token is, for introspection and revocation.

A token with two dots is one of our JWT access tokens (checked with the tenant's own keys);
anything else is looked up as a refresh token by its keyed hash. A token that fails either
way is simply unknown: the caller answers without saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tier0.clock import Clock, epoch
from tier0.domain import Tenant
from tier0.domain.grants import RefreshToken
from tier0.protocol.checks.scope import format_scope
from tier0.protocol.grants.family import REFRESH_PURPOSE, HashKeys
from tier0.protocol.tokens.access_token import GRANT_CLAIM
from tier0.protocol.tokens.keys import SigningKeys
from tier0.protocol.tokens.verify import verify_access_token
from tier0.storage.ports import Database, UnitOfWork

__all__ = ["FoundToken", "TokenLookup"]

ACCESS_TOKEN = "access_token"  # noqa: S105 - a token type hint value (RFC 7009 §2.1)
REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a token type hint value


@dataclass(frozen=True, slots=True)
class FoundToken:
    """A token we issued: whose it is, its family, whether it is live, what it says."""

    kind: str
    client_id: str
    grant_id: str | None
    active: bool
    token_hash: str | None = field(default=None, repr=False)
    claims: dict[str, Any] = field(default_factory=dict)


def _refresh_claims(token: RefreshToken) -> dict[str, Any]:
    expiries = [t for t in (token.expires_at, token.idle_expires_at) if t is not None]
    claims: dict[str, Any] = {
        "client_id": token.client_id,
        "sub": token.user_id,
        "scope": format_scope(token.scope),
        "token_type": REFRESH_TOKEN,
    }
    if expiries:
        claims["exp"] = epoch(min(expiries))
    if token.created_at is not None:
        claims["iat"] = epoch(token.created_at)
    if token.audience is not None:
        claims["aud"] = token.audience
    return claims


class TokenLookup:
    """Resolves access and refresh tokens of one tenant."""

    def __init__(self, db: Database, hash_keys: HashKeys, keys: SigningKeys, clock: Clock) -> None:
        self._db = db
        self._hash_keys = hash_keys
        self._keys = keys
        self._clock = clock

    async def find(self, tenant: Tenant, issuer: str, token: str) -> FoundToken | None:
        if token.count(".") == 2:
            return await self._access_token(tenant, issuer, token)
        return await self._refresh_token(tenant, token)

    async def _access_token(self, tenant: Tenant, issuer: str, token: str) -> FoundToken | None:
        claims = await verify_access_token(
            token, tenant_id=tenant.id, issuer=issuer, keys=self._keys, clock=self._clock
        )
        if claims is None or not isinstance(claims.get("client_id"), str):
            return None
        grant_id = claims.get(GRANT_CLAIM)
        grant_id = grant_id if isinstance(grant_id, str) else None
        active = True
        if grant_id is not None:
            async with self._db.read() as uow:
                active = await self._family_live(uow, tenant.id, grant_id, claims.get("sub"))
        public = {k: v for k, v in claims.items() if k != GRANT_CLAIM}
        public["token_type"] = "Bearer"  # noqa: S105 - RFC 7662 §2.2 token_type value
        return FoundToken(ACCESS_TOKEN, claims["client_id"], grant_id, active, claims=public)

    async def _refresh_token(self, tenant: Tenant, token: str) -> FoundToken | None:
        key = await self._hash_keys.hash_key(tenant.id)
        token_hash = key.digest(token, purpose=REFRESH_PURPOSE)
        now = self._clock.now()
        async with self._db.read() as uow:
            stored = await uow.refresh_tokens.get(tenant.id, token_hash)
            if stored is None:
                return None
            active = _refresh_live(stored, now) and await self._family_live(
                uow, tenant.id, stored.grant_id, stored.user_id
            )
        return FoundToken(
            REFRESH_TOKEN,
            stored.client_id,
            stored.grant_id,
            active,
            token_hash=token_hash,
            claims=_refresh_claims(stored),
        )

    @staticmethod
    async def _family_live(uow: UnitOfWork, tenant_id: str, grant_id: str, user_id: object) -> bool:
        """The grant is not revoked and its user exists and is not blocked (SE-05)."""
        grant = await uow.grants.get(tenant_id, grant_id)
        if grant is None or grant.revoked_at is not None:
            return False
        if not isinstance(user_id, str):
            return False
        user = await uow.users.get(tenant_id, user_id)
        return user is not None and not user.blocked


def _refresh_live(token: RefreshToken, now: datetime) -> bool:
    if token.consumed_at is not None or token.revoked_at is not None:
        return False
    expiries = [t for t in (token.expires_at, token.idle_expires_at) if t is not None]
    return bool(expiries) and now < min(expiries)
