"""RFC 9068 JWT access tokens.

RFC 9068 §2.1: "Access tokens MUST include the value "at+jwt" in the "typ" header". §2.2
lists the claims the token MUST carry: ``iss``, ``exp``, ``aud``, ``sub``, ``client_id``,
``iat`` and ``jti``; ``scope`` when a scope was granted (§2.2.3). tier0 adds ``gid``, a
private claim naming the grant (the sign-in family) the token descends from, so that
introspection and /userinfo can answer "inactive" once that grant is revoked (OA-06, OA-08).
Auth0's ``rfc9068_profile_authz`` dialect adds ``permissions`` (the user's RBAC permissions
on the API).

OA-12: every access token is audience-restricted: ``aud`` is the API identifier, plus the
tenant's ``{issuer}/userinfo`` when ``openid`` was granted (as Auth0 does). Without an API
the token is for /userinfo alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tier0.clock import epoch
from tier0.crypto.random import random_token
from tier0.jose import JwtSigner
from tier0.jose.typ import TYP_ACCESS_TOKEN
from tier0.protocol.checks.scope import format_scope

__all__ = ["AccessTokenSpec", "IssuedAccessToken", "mint_access_token", "userinfo_audience"]

#: The private claim tying an access token to its grant.
GRANT_CLAIM = "gid"


def userinfo_audience(issuer: str) -> str:
    """The audience of access tokens that may call the tenant's /userinfo."""
    return f"{issuer}/userinfo"


@dataclass(frozen=True, slots=True)
class AccessTokenSpec:
    """Everything one access token says."""

    tenant_id: str
    issuer: str
    subject: str
    client_id: str
    audience: tuple[str, ...]
    scope: tuple[str, ...]
    lifetime: timedelta
    signing_alg: str
    grant_id: str | None = None
    auth_time: datetime | None = None
    permissions: Sequence[str] | None = None


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    """A signed access token and what the token response reports about it."""

    token: str = field(repr=False)
    expires_in: int
    scope: tuple[str, ...]
    jti: str


def _claims(spec: AccessTokenSpec, now: datetime, jti: str) -> dict[str, Any]:
    aud: str | list[str] = spec.audience[0] if len(spec.audience) == 1 else list(spec.audience)
    claims: dict[str, Any] = {
        "iss": spec.issuer,
        "sub": spec.subject,
        "aud": aud,
        "client_id": spec.client_id,
        "iat": epoch(now),
        "exp": epoch(now + spec.lifetime),
        "jti": jti,
    }
    if spec.scope:
        claims["scope"] = format_scope(spec.scope)
    if spec.auth_time is not None:
        claims["auth_time"] = epoch(spec.auth_time)
    if spec.grant_id is not None:
        claims[GRANT_CLAIM] = spec.grant_id
    if spec.permissions is not None:
        claims["permissions"] = list(spec.permissions)
    return claims


def mint_access_token(
    spec: AccessTokenSpec, *, signer: JwtSigner, now: datetime
) -> IssuedAccessToken:
    """Sign an access token with ``signer`` (the tenant's active key for the API's alg)."""
    if not spec.audience:
        raise ValueError("an access token needs an audience (OA-12)")
    if signer.alg != spec.signing_alg:
        raise ValueError("the access token key does not match the API's signing_alg")
    jti = random_token(16)
    token = signer.sign(_claims(spec, now, jti), typ=TYP_ACCESS_TOKEN)
    return IssuedAccessToken(
        token=token,
        expires_in=int(spec.lifetime.total_seconds()),
        scope=spec.scope,
        jti=jti,
    )
