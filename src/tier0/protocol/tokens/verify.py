"""Checking an access token tier0 issued (for /userinfo, introspection and revocation).

RFC 8725 §3.11 and RFC 9068 §4: the token must declare ``typ: at+jwt`` (an ID token,
``typ: JWT``, is never accepted as an access token: JW-03), verify with a key from the
tenant's own JWKS only (JW-02), use an allowed algorithm (JW-01), come from this issuer and
be current. The audience is checked by the caller, who knows which one it serves.
"""

from __future__ import annotations

from typing import Any

from tier0.clock import Clock
from tier0.jose import InvalidJwt, verify_jwt
from tier0.jose.algorithms import ACCESS_TOKEN_ALGS
from tier0.jose.typ import TYP_ACCESS_TOKEN
from tier0.protocol.tokens.keys import SigningKeys

__all__ = ["audiences_of", "verify_access_token"]

_REQUIRED = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id")


async def verify_access_token(
    token: str, *, tenant_id: str, issuer: str, keys: SigningKeys, clock: Clock
) -> dict[str, Any] | None:
    """The claims of a valid access token of this tenant, or ``None`` (never a reason)."""
    jwks = await keys.jwks(tenant_id)
    try:
        return verify_jwt(
            token,
            keys=jwks["keys"],
            allowed_algs=ACCESS_TOKEN_ALGS,
            expected_typ=TYP_ACCESS_TOKEN,
            issuer=issuer,
            audience=None,
            clock=clock,
            required=_REQUIRED,
        )
    except InvalidJwt:
        return None


def audiences_of(claims: dict[str, Any]) -> tuple[str, ...]:
    """``aud`` as a tuple (RFC 7519 §4.1.3: a string or an array of strings)."""
    aud = claims.get("aud")
    if isinstance(aud, str):
        return (aud,)
    if isinstance(aud, list) and all(isinstance(item, str) for item in aud):
        return tuple(aud)
    return ()
