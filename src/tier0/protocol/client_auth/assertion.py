"""``private_key_jwt`` client assertions (RFC 7523 §3, OIDC Core §9; OA-09, JW-01..JW-03).

RFC 7523 §3, the JWT "MUST contain an "iss" (issuer) claim" and a "sub" (subject) claim
which, for client authentication, "MUST be the "client_id" of the OAuth client"; "The JWT
MUST contain an "aud" (audience) claim containing a value that identifies the authorization
server as an intended audience ... the token endpoint URL of the authorization server MAY
be used"; "The JWT MUST contain an "exp" (expiration time) claim that limits the time
window during which the JWT can be used"; and "The authorization server MAY ensure that
JWTs are not replayed by maintaining the set of used "jti" values for the length of time
for which the JWT would be considered valid". tier0 requires ``jti`` and remembers it (OIDC
Core §9 makes ``jti`` REQUIRED), refuses an ``exp`` more than five minutes ahead (a
long-lived assertion is a bearer credential), verifies only with the keys the client
registered (JW-02) and only with asymmetric algorithms (JW-01).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tier0.clock import Clock, epoch
from tier0.jose import InvalidJwt, verify_jwt
from tier0.jose.algorithms import CLIENT_ASSERTION_ALGS
from tier0.protocol.errors import InvalidClient

__all__ = ["MAX_ASSERTION_LIFETIME", "VerifiedAssertion", "assertion_subject", "verify_assertion"]

#: How far ahead an assertion's ``exp`` may be.
MAX_ASSERTION_LIFETIME = timedelta(minutes=5)
_LEEWAY = 60
_MAX_JTI = 256
_PUBLIC = "The client assertion is invalid."


@dataclass(frozen=True, slots=True)
class VerifiedAssertion:
    """A signature-checked assertion: its ``jti`` still has to be remembered once."""

    jti: str
    expires_at: datetime


def assertion_subject(assertion: str) -> str | None:
    """The ``sub`` of an assertion, UNVERIFIED: only to find which client to check against.

    RFC 7523 §3 lets ``client_id`` be omitted when an assertion is sent; the client named
    here is then authenticated by :func:`verify_assertion` with its own keys.
    """
    parts = assertion.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    sub = payload.get("sub") if isinstance(payload, dict) else None
    return sub if isinstance(sub, str) else None


def _registered_keys(jwks: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    keys = (jwks or {}).get("keys")
    if not isinstance(keys, list):
        return []
    return [key for key in keys if isinstance(key, dict)]


def _check_audience(aud: object, audiences: Collection[str]) -> None:
    values = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(isinstance(value, str) and value in audiences for value in values):
        raise InvalidClient(_PUBLIC, debug="assertion aud is not this server")


def verify_assertion(
    assertion: str,
    *,
    client_id: str,
    jwks: Mapping[str, Any] | None,
    audiences: Collection[str],
    clock: Clock,
) -> VerifiedAssertion:
    """Check signature, ``iss``/``sub``, ``aud``, ``exp`` and ``jti``; ``invalid_client``."""
    keys = _registered_keys(jwks)
    if not keys:
        raise InvalidClient(_PUBLIC, debug="client has no registered JWKS")
    try:
        claims = verify_jwt(
            assertion,
            keys=keys,
            allowed_algs=CLIENT_ASSERTION_ALGS,
            expected_typ=None,
            issuer=client_id,
            audience=None,
            clock=clock,
            leeway=_LEEWAY,
            required=("iss", "sub", "aud", "exp", "jti"),
        )
    except InvalidJwt as exc:
        raise InvalidClient(_PUBLIC, debug=f"assertion: {exc.debug}") from None
    if claims.get("sub") != client_id:
        raise InvalidClient(_PUBLIC, debug="assertion sub is not the client_id")
    _check_audience(claims.get("aud"), audiences)
    exp = claims["exp"]
    if not isinstance(exp, int | float) or exp > epoch(clock.now() + MAX_ASSERTION_LIFETIME):
        raise InvalidClient(_PUBLIC, debug="assertion exp too far ahead")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > _MAX_JTI:
        raise InvalidClient(_PUBLIC, debug="assertion jti missing or malformed")
    expires_at = datetime.fromtimestamp(exp, UTC) + timedelta(seconds=_LEEWAY)
    return VerifiedAssertion(jti=jti, expires_at=expires_at)
