"""JSON Web Keys: generation, the public half, RFC 7638 thumbprints, safe import (JW-04).

Public JWKs are built from an allow-list of members per key type, so a private member
(``d``, ``p``, ``q``, ``dp``, ``dq``, ``qi``, ``oth``, ``k``) can never reach a JWKS.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from joserfc.errors import JoseError as JoserfcError
from joserfc.jwk import ECKey, JWKRegistry, Key, KeyParameters, OKPKey, RSAKey

from tier0.jose.algorithms import (
    DEFAULT_RSA_BITS,
    KEY_TYPE_FOR_ALG,
    MIN_RSA_BITS,
    SIGNING_ALGS,
)

#: RFC 7518 §6.2.1 / §6.3.1 and RFC 8037 §2: the public members of each key type.
PUBLIC_MEMBERS: dict[str, tuple[str, ...]] = {
    "RSA": ("kty", "n", "e"),
    "EC": ("kty", "crv", "x", "y"),
    "OKP": ("kty", "crv", "x"),
}

#: Curves tier0 accepts per key type; anything else is refused at import.
_CURVES: dict[str, frozenset[str]] = {
    "EC": frozenset({"P-256"}),
    "OKP": frozenset({"Ed25519"}),
}


def generate_private_jwk(alg: str, kid: str, *, rsa_bits: int = DEFAULT_RSA_BITS) -> dict[str, Any]:
    """Create a new private signing JWK for ``alg`` (one of ``SIGNING_ALGS``).

    RSA keys are ``rsa_bits`` long (3072 by default, never under 2048); ES256 uses P-256 and
    EdDSA uses Ed25519. The JWK carries ``kid``, ``alg`` and ``use: sig``.
    """
    if alg not in SIGNING_ALGS:
        raise ValueError(f"not a signing algorithm tier0 issues: {alg!r}")
    if not kid:
        raise ValueError("a signing key needs a kid")
    params: KeyParameters = {"alg": alg, "kid": kid, "use": "sig"}
    kty, _ = KEY_TYPE_FOR_ALG[alg]
    key: Key
    if kty == "RSA":
        if rsa_bits < MIN_RSA_BITS:
            raise ValueError(f"RSA keys must be at least {MIN_RSA_BITS} bits")
        key = RSAKey.generate_key(rsa_bits, parameters=params, private=True)
    elif kty == "EC":
        key = ECKey.generate_key("P-256", parameters=params, private=True)
    else:
        key = OKPKey.generate_key("Ed25519", parameters=params, private=True)
    return dict(key.as_dict(private=True))


def public_jwk(private: Mapping[str, Any]) -> dict[str, Any]:
    """The public half of a signing JWK: only public members, plus ``use``, ``alg``, ``kid``."""
    kty = private.get("kty")
    if not isinstance(kty, str) or kty not in PUBLIC_MEMBERS:
        raise ValueError("only RSA, EC and OKP keys have a publishable public half")
    alg, kid = private.get("alg"), private.get("kid")
    if not isinstance(alg, str) or not isinstance(kid, str) or not kid:
        raise ValueError("a publishable JWK needs alg and kid")
    missing = [m for m in PUBLIC_MEMBERS[kty] if m not in private]
    if missing:
        raise ValueError(f"JWK lacks required members: {missing}")
    out: dict[str, Any] = {m: private[m] for m in PUBLIC_MEMBERS[kty]}
    out.update(use="sig", alg=alg, kid=kid)
    return out


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint (base64url) over the required public members only."""
    return import_key(jwk).thumbprint()


def import_key(jwk: Mapping[str, Any]) -> Key:
    """Import an RSA, EC (P-256) or OKP (Ed25519) JWK, refusing weak or symmetric keys.

    Raises ``ValueError`` for anything else. Symmetric (``oct``) keys are refused outright:
    a shared secret never stands in for a public key (RFC 8725 §2.1 key confusion).
    """
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in PUBLIC_MEMBERS:
        raise ValueError("unsupported key type")
    if kty in _CURVES and jwk.get("crv") not in _CURVES[kty]:
        raise ValueError("unsupported curve")
    if kty == "RSA" and _rsa_bits(jwk.get("n")) < MIN_RSA_BITS:
        raise ValueError("RSA key too short")
    try:
        return JWKRegistry.import_key(dict(jwk), kty)
    except (JoserfcError, ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"malformed JWK ({type(exc).__name__})") from None


def _rsa_bits(modulus: object) -> int:
    """Bit length of a base64url RSA modulus; 0 when it is not one."""
    if not isinstance(modulus, str) or not modulus.isascii():
        return 0
    try:
        raw = base64.urlsafe_b64decode(modulus + "=" * (-len(modulus) % 4))
    except (binascii.Error, ValueError):
        return 0
    return int.from_bytes(raw, "big").bit_length()
