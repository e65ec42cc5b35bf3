"""JWS algorithm allow-lists, one per token kind (JW-01).

RFC 8725 §3.1: "libraries MUST enable the caller to specify a supported set of algorithms and
MUST NOT use any other algorithms when performing cryptographic operations". Every list here is
asymmetric only: ``none`` never appears, and no ``HS*`` appears where a public key is the
verification key, which closes the RS/HS key-confusion hole (RFC 8725 §2.1, §3.2).
"""

from __future__ import annotations

#: RFC 7518 RSASSA-PKCS1-v1_5; OpenID Connect Core §15.1: servers MUST support RS256.
RS256 = "RS256"
#: RFC 7518 ECDSA P-256 SHA-256.
ES256 = "ES256"
#: RFC 7518 RSASSA-PSS SHA-256 (FAPI 2.0 §5.4.1 allows PS256, ES256 and EdDSA).
PS256 = "PS256"
#: RFC 8037 EdDSA; tier0 only uses it with Ed25519.
EDDSA = "EdDSA"
#: RFC 9864 fully specified Ed25519 (same signature as EdDSA over Ed25519).
ED25519 = "Ed25519"

#: What tier0 signs ID tokens, access tokens and logout tokens with.
SIGNING_ALGS: frozenset[str] = frozenset({RS256, ES256, PS256, EDDSA})
DEFAULT_SIGNING_ALG = RS256

#: Every asymmetric algorithm tier0 can verify at all; each kind below is a subset.
ASYMMETRIC_ALGS: frozenset[str] = frozenset({RS256, ES256, PS256, EDDSA, ED25519})

#: Tokens we issued and get back (``id_token_hint``, our own access tokens).
ID_TOKEN_HINT_ALGS: frozenset[str] = SIGNING_ALGS
ACCESS_TOKEN_ALGS: frozenset[str] = SIGNING_ALGS

#: ``private_key_jwt`` client assertions (RFC 7523 §3, OIDC Core §9), verified with the
#: client's registered public keys.
CLIENT_ASSERTION_ALGS: frozenset[str] = ASYMMETRIC_ALGS

#: DPoP proofs. RFC 9449 §4.2: "MUST NOT be none or an identifier for a symmetric algorithm".
DPOP_PROOF_ALGS: frozenset[str] = ASYMMETRIC_ALGS

#: Key type (and curve) each algorithm needs, so a key of another kind is never tried.
KEY_TYPE_FOR_ALG: dict[str, tuple[str, str | None]] = {
    RS256: ("RSA", None),
    PS256: ("RSA", None),
    ES256: ("EC", "P-256"),
    EDDSA: ("OKP", "Ed25519"),
    ED25519: ("OKP", "Ed25519"),
}

#: NIST SP 800-131A / RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used".
MIN_RSA_BITS = 2048
#: ASVS 11.2.3 / JW-04: new RSA signing keys are 3072 bits (128-bit security).
DEFAULT_RSA_BITS = 3072


def require_asymmetric(allowed: frozenset[str]) -> frozenset[str]:
    """Return ``allowed`` if every entry is an asymmetric algorithm tier0 knows.

    Raises ``ValueError``: an allow-list with ``none``, an ``HS*`` or an unknown name is a
    programming error, not a bad token.
    """
    if not allowed:
        raise ValueError("an algorithm allow-list must not be empty")
    unknown = allowed - ASYMMETRIC_ALGS
    if unknown:
        raise ValueError(f"not an allowed asymmetric JWS algorithm: {sorted(unknown)}")
    return allowed
