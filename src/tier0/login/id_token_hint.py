"""Checking the ``id_token_hint`` of an RP-initiated logout (SE-04).

OpenID Connect RP-Initiated Logout 1.0 §2: "When an id_token_hint parameter is present,
the OP MUST validate that it was the issuer of the ID Token." The hint must be an ID
token (``typ: JWT``, never an access token: JW-03) signed by a key of the tenant's own
JWKS (JW-02) with an allowed algorithm (JW-01) and this tenant as ``iss``.

Its expiry is judged generously. §2: "The OP SHOULD accept ID Tokens when the RP
identified by the ID Token's aud claim and/or sid claim has a current session or had a
recent session at the OP, even when the exp time has passed." An ID token may have
expired long before the user clicks "log out", so a hint is accepted up to one session
lifetime after its ``exp``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tier0.clock import Clock
from tier0.jose import InvalidJwt, verify_jwt
from tier0.jose.algorithms import ID_TOKEN_HINT_ALGS
from tier0.jose.typ import TYP_ID_TOKEN
from tier0.protocol.errors import InvalidRequest
from tier0.protocol.tokens.keys import SigningKeys
from tier0.protocol.tokens.verify import audiences_of

__all__ = ["IdTokenHint", "verify_id_token_hint"]

_REQUIRED = ("iss", "sub", "aud", "exp", "iat")


@dataclass(frozen=True, slots=True)
class IdTokenHint:
    """What a valid hint says: the client(s) it was issued to, the user and the session."""

    audiences: tuple[str, ...]
    subject: str
    sid: str | None


async def verify_id_token_hint(
    token: str,
    *,
    tenant_id: str,
    issuer: str,
    keys: SigningKeys,
    clock: Clock,
    grace_seconds: int,
) -> IdTokenHint:
    """The hint's claims, or :class:`InvalidRequest` (one opaque reason for all failures)."""
    jwks = await keys.jwks(tenant_id)
    try:
        claims = verify_jwt(
            token,
            keys=jwks["keys"],
            allowed_algs=ID_TOKEN_HINT_ALGS,
            expected_typ=TYP_ID_TOKEN,
            issuer=issuer,
            audience=None,
            clock=clock,
            leeway=grace_seconds,
            required=_REQUIRED,
        )
    except InvalidJwt:
        raise InvalidRequest("The id_token_hint is not a valid ID token of this issuer.") from None
    audiences = audiences_of(claims)
    subject = claims.get("sub")
    sid = claims.get("sid")
    if not audiences or not isinstance(subject, str):
        raise InvalidRequest("The id_token_hint is not a valid ID token of this issuer.")
    return IdTokenHint(audiences, subject, sid if isinstance(sid, str) else None)
