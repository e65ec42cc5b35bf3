"""The grant family: every code, refresh token and access token of one sign-in.

Revocation always takes the whole family down at once, in the caller's transaction, so a
response that says "revoked" is only sent after the revocation is committed (AV-06).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from tier0.crypto.keyed_hash import HashKey
from tier0.crypto.random import random_token
from tier0.domain.grants import RefreshToken
from tier0.storage.ports import UnitOfWork

__all__ = [
    "CODE_PURPOSE",
    "REFRESH_PURPOSE",
    "HashKeys",
    "new_refresh_token",
    "revoke_family",
]

CODE_PURPOSE = "authorization-code"
REFRESH_PURPOSE = "refresh-token"


class HashKeys(Protocol):
    """The tenant keyring's keyed-hash key (``TenantKeyring.hash_key``)."""

    async def hash_key(self, tenant_id: str) -> HashKey: ...


async def revoke_family(uow: UnitOfWork, tenant_id: str, grant_id: str, at: datetime) -> None:
    """Revoke the grant and every refresh token of it (access tokens carry its id, so
    introspection and /userinfo see them as inactive from now on)."""
    await uow.grants.revoke(tenant_id, grant_id, at)
    await uow.refresh_tokens.revoke_family(tenant_id, grant_id, at)


def new_refresh_token(
    key: HashKey,
    *,
    template: RefreshToken,
    now: datetime,
    idle: timedelta,
    parent_hash: str | None,
) -> tuple[str, RefreshToken]:
    """A fresh refresh token value (256 random bits) and the row that stores its hash.

    The absolute expiry is the template's (fixed at sign-in, OA-08); the idle expiry
    restarts now but never passes the absolute one.
    """
    value = random_token(32)
    expires_at = template.expires_at or now
    row = RefreshToken(
        tenant_id=template.tenant_id,
        token_hash=key.digest(value, purpose=REFRESH_PURPOSE),
        grant_id=template.grant_id,
        client_id=template.client_id,
        user_id=template.user_id,
        scope=template.scope,
        audience=template.audience,
        parent_hash=parent_hash,
        created_at=now,
        expires_at=expires_at,
        idle_expires_at=min(now + idle, expires_at),
    )
    return value, row
