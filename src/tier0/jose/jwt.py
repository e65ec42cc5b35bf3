"""Signing and verifying JWTs (RFC 7519) under RFC 8725 rules (JW-01, JW-02, JW-03).

``verify_jwt`` trusts only the keys it is handed. It never looks at ``jku``, ``x5u``, ``jwk``
or ``x5c`` to find a key (RFC 8725 §3.10; JW-02), treats ``kid`` as an opaque string that
either equals a key's ``kid`` or does not, and resolves the algorithm from a per-kind
allow-list (RFC 8725 §3.1). Every failure is one opaque :class:`InvalidJwt`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from joserfc import jws
from joserfc import jwt as rfc_jwt
from joserfc.errors import JoseError as JoserfcError
from joserfc.jwk import Key

from tier0.clock import Clock, epoch
from tier0.jose.algorithms import KEY_TYPE_FOR_ALG, require_asymmetric
from tier0.jose.claims import check_claims
from tier0.jose.errors import InvalidJwt
from tier0.jose.keys import import_key
from tier0.jose.typ import typ_acceptable

from ._registry import MAX_TOKEN_CHARS, AllowListRegistry

#: Header members ``sign_jwt`` sets itself and ``extra_header`` may not override.
_OWN_HEADER = frozenset({"alg", "kid", "typ"})
#: RFC 7515 §4.1.11 ``crit`` and RFC 7797 ``b64``: tier0 understands no extension, so a token
#: that demands one is refused, and so is an unencoded payload.
_REFUSED_HEADER = frozenset({"crit", "b64"})

#: Exceptions parsing and verifying may raise on hostile input; each becomes InvalidJwt.
_PARSE_ERRORS = (
    JoserfcError,
    ValueError,
    TypeError,
    KeyError,
    UnicodeError,
    OverflowError,
    RecursionError,
)


def sign_jwt(
    claims: Mapping[str, Any],
    *,
    private_jwk: Mapping[str, Any],
    typ: str,
    extra_header: Mapping[str, Any] | None = None,
) -> str:
    """Sign ``claims`` as a compact JWS with the key's own ``alg`` and ``kid`` and ``typ``."""
    alg, kid = private_jwk.get("alg"), private_jwk.get("kid")
    if not isinstance(alg, str) or not isinstance(kid, str) or not kid:
        raise ValueError("the signing JWK needs alg and kid")
    allowed = require_asymmetric(frozenset({alg}))
    header: dict[str, Any] = dict(extra_header or {})
    clash = (_OWN_HEADER | _REFUSED_HEADER) & header.keys()
    if clash:
        raise ValueError(f"extra_header may not set {sorted(clash)}")
    header.update(alg=alg, kid=kid, typ=typ)
    # RFC 7519 §2 NumericDate is a JSON number: NaN and Infinity are not JSON.
    json.dumps(dict(claims), allow_nan=False)
    key = import_key(private_jwk)
    if not key.is_private:
        raise ValueError("signing needs a private JWK")
    return rfc_jwt.encode(
        header, dict(claims), key, registry=AllowListRegistry(allowed), default_type=None
    )


def verify_jwt(
    token: str,
    *,
    keys: Sequence[Mapping[str, Any]],
    allowed_algs: frozenset[str],
    expected_typ: str | None,
    issuer: str | None,
    audience: str | None,
    clock: Clock,
    leeway: int = 60,
    required: Iterable[str] = ("exp",),
    max_age: int | None = None,
    max_chars: int = MAX_TOKEN_CHARS,
) -> dict[str, Any]:
    """Verify ``token`` with one of ``keys`` (public JWKs) and return its claims.

    ``max_chars`` bounds the token before parsing (RFC 8725 §3); only signed documents
    that carry a whole data set (a tenant archive) raise it above the 16 KiB default.

    Raises :class:`InvalidJwt` for any bad token, and ``ValueError`` if ``allowed_algs``
    itself is unsafe (``none``, ``HS*``, unknown): that is a caller bug, not a bad token.
    """
    registry = AllowListRegistry(allowed_algs, max_chars=max_chars)
    try:
        obj = _parse(token, registry, max_chars)
        header = obj.headers()
        _check_header(header, allowed_algs, expected_typ)
        _check_signature(obj, header, keys, registry)
        claims = _claims_of(obj.payload)
        check_claims(
            claims,
            now=epoch(clock.now()),
            leeway=leeway,
            issuer=issuer,
            audience=audience,
            required=required,
            max_age=max_age,
        )
    except InvalidJwt:
        raise
    except _PARSE_ERRORS as exc:
        raise InvalidJwt(f"{type(exc).__name__}: {exc}") from None
    return claims


def peek_header(token: str) -> dict[str, Any]:
    """The protected header of ``token``, NOT verified.

    Only for choosing how to verify (a DPoP proof's ``jwk``, RFC 9449 §4.3 step 5); never
    trust a value from here until :func:`verify_jwt` has succeeded.
    """
    try:
        return dict(_parse(token, AllowListRegistry(frozenset(KEY_TYPE_FOR_ALG))).headers())
    except InvalidJwt:
        raise
    except _PARSE_ERRORS as exc:
        raise InvalidJwt(f"{type(exc).__name__}: {exc}") from None


def _parse(
    token: object, registry: AllowListRegistry, max_chars: int = MAX_TOKEN_CHARS
) -> jws.CompactSignature:
    if not isinstance(token, str):
        raise InvalidJwt("token is not a string")
    if len(token) > max_chars:
        raise InvalidJwt("token too large")
    if not token.isascii():
        raise InvalidJwt("token is not ASCII")
    obj = jws.extract_compact(token.encode("ascii"), registry=registry)
    if not isinstance(obj.headers(), dict):
        raise InvalidJwt("header is not a JSON object")
    return obj


def _check_header(
    header: Mapping[str, Any], allowed_algs: frozenset[str], expected_typ: str | None
) -> None:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in allowed_algs:
        # RFC 8725 §3.1: only algorithms on the allow-list; this refuses "none" and HS*.
        raise InvalidJwt(f"alg not allowed: {alg!r}")
    refused = _REFUSED_HEADER & header.keys()
    if refused:
        raise InvalidJwt(f"header demands unsupported {sorted(refused)}")
    if not typ_acceptable(header.get("typ"), expected_typ):
        raise InvalidJwt(f"typ {header.get('typ')!r} where {expected_typ!r} expected")


def _check_signature(
    obj: jws.CompactSignature,
    header: Mapping[str, Any],
    keys: Sequence[Mapping[str, Any]],
    registry: AllowListRegistry,
) -> None:
    for key in _candidate_keys(header, keys):
        if jws.validate_compact(obj, key, registry=registry):
            return
    raise InvalidJwt("no key verified the signature")


def _candidate_keys(header: Mapping[str, Any], keys: Sequence[Mapping[str, Any]]) -> list[Key]:
    """Keys that could have made this signature: same ``kid`` (if any), right type and alg.

    RFC 8725 §3.10: the key comes from our keystore or the client's registered JWKS, never
    from the token. A ``kid`` is only compared for equality, so ``../x`` or ``' OR 1=1``
    simply matches nothing.
    """
    alg = header["alg"]
    kty, crv = KEY_TYPE_FOR_ALG[alg]
    has_kid = "kid" in header
    kid = header.get("kid")
    if has_kid and not isinstance(kid, str):
        raise InvalidJwt("kid is not a string")
    out: list[Key] = []
    for jwk in keys:
        if has_kid and jwk.get("kid") != kid:
            continue
        if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
            continue
        if jwk.get("alg", alg) != alg or jwk.get("use", "sig") != "sig":
            continue
        try:
            out.append(import_key(jwk))
        except ValueError:
            continue  # a malformed or weak registered key verifies nothing
    return out


def _claims_of(payload: bytes | None) -> dict[str, Any]:
    if payload is None:
        raise InvalidJwt("no payload")
    claims = json.loads(payload)
    if not isinstance(claims, dict):
        raise InvalidJwt("payload is not a JSON object")
    return claims
