"""Registered-claim checks for JWTs (RFC 7519 §4.1, RFC 8725 §3.8-3.9, JW-03)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

from tier0.jose.errors import InvalidJwt


def check_claims(
    claims: Mapping[str, Any],
    *,
    now: int,
    leeway: int,
    issuer: str | None,
    audience: str | None,
    required: Iterable[str],
    max_age: int | None,
) -> None:
    """Raise :class:`InvalidJwt` unless the claims are current, from ``issuer``, for ``audience``.

    RFC 7519 §4.1.4: the token MUST NOT be accepted on or after ``exp``; §4.1.5: not before
    ``nbf``. An ``iat`` more than ``leeway`` seconds in the future is refused (JW-03: at most
    60 s of clock skew). RFC 8725 §3.8: the issuer MUST be validated; §3.9: the audience
    MUST be checked. ``max_age`` bounds how long ago ``iat`` may be (proofs, assertions).
    """
    options: dict[str, ClaimsOption] = {name: {"essential": True} for name in required}
    if issuer is not None:
        options["iss"] = {"essential": True, "value": issuer}
    if audience is not None:
        options["aud"] = {"essential": True, "value": audience}
    registry = JWTClaimsRegistry(now=now, leeway=leeway, **options)
    # joserfc raises its own JoseError subclasses; jwt.py turns them into InvalidJwt.
    registry.validate(dict(claims))
    if max_age is not None:
        _check_age(claims.get("iat"), now=now, leeway=leeway, max_age=max_age)


def _check_age(iat: object, *, now: int, leeway: int, max_age: int) -> None:
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise InvalidJwt("max_age needs a numeric iat")
    if now - iat > max_age + leeway:
        raise InvalidJwt("token too old for max_age")
