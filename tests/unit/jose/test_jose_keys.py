"""JW-04 (key side): key generation, public halves without private members, thumbprints."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tier0.jose.keys import generate_private_jwk, import_key, public_jwk, thumbprint

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}

# RFC 7638 §3.1: the example RSA key and its published thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
    "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
    "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4"
    "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

# RFC 8037 appendix A.1 (private key), A.2 (public key), A.3 (thumbprint).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def _modulus_bits(jwk: dict[str, Any]) -> int:
    n = jwk["n"]
    return int.from_bytes(base64.urlsafe_b64decode(n + "=" * (-len(n) % 4)), "big").bit_length()


def test_jw04_rsa_keys_default_to_3072_bits() -> None:
    jwk = generate_private_jwk("RS256", "k1")
    assert jwk["kty"] == "RSA"
    assert _modulus_bits(jwk) == 3072
    assert (jwk["alg"], jwk["kid"], jwk["use"]) == ("RS256", "k1", "sig")


def test_jw04_rsa_keys_under_2048_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="2048"):
        generate_private_jwk("PS256", "k1", rsa_bits=1024)


@pytest.mark.parametrize(
    ("alg", "kty", "crv"), [("ES256", "EC", "P-256"), ("EdDSA", "OKP", "Ed25519")]
)
def test_jw04_curves(alg: str, kty: str, crv: str) -> None:
    jwk = generate_private_jwk(alg, "k1")
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == (kty, crv, alg)
    assert "d" in jwk


@pytest.mark.parametrize("alg", ["HS256", "none", "RS512", ""])
def test_only_signing_algs_can_be_generated(alg: str) -> None:
    with pytest.raises(ValueError, match="signing algorithm"):
        generate_private_jwk(alg, "k1")


def test_a_kid_is_required() -> None:
    with pytest.raises(ValueError, match="kid"):
        generate_private_jwk("ES256", "")


def test_jw04_public_jwk_has_no_private_members(private_keys: dict[str, dict[str, Any]]) -> None:
    for alg, private in private_keys.items():
        public = public_jwk(private)
        assert not PRIVATE_MEMBERS & public.keys(), alg
        assert public["use"] == "sig"
        assert public["alg"] == alg
        assert public["kid"] == private["kid"]
        assert not import_key(public).is_private


def test_jw04_public_jwk_drops_unknown_members_too() -> None:
    private = generate_private_jwk("ES256", "k1")
    private.update({"x5c": ["MII..."], "key_ops": ["sign"], "ext": True})
    assert set(public_jwk(private)) == {"kty", "crv", "x", "y", "use", "alg", "kid"}


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "oct", "k": "c2VjcmV0", "alg": "HS256", "kid": "k"},
        {"kty": "EC", "crv": "P-256", "x": "a", "alg": "ES256", "kid": "k"},
        {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "kid": "k"},
        {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256"},
    ],
)
def test_public_jwk_refuses_incomplete_or_symmetric_keys(jwk: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        public_jwk(jwk)


def test_rfc7638_thumbprint_vector() -> None:
    jwk = {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}
    assert thumbprint(jwk) == RFC7638_THUMBPRINT


def test_rfc8037_public_key_and_thumbprint_vectors() -> None:
    private = {"kty": "OKP", "crv": "Ed25519", "d": RFC8037_D, "x": RFC8037_X}
    public = public_jwk({**private, "alg": "EdDSA", "kid": "rfc8037"})
    assert {k: public[k] for k in ("kty", "crv", "x")} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC8037_X,
    }
    assert thumbprint(private) == RFC8037_THUMBPRINT
    assert thumbprint(public) == RFC8037_THUMBPRINT


def test_thumbprint_ignores_private_and_optional_members(
    private_keys: dict[str, dict[str, Any]],
) -> None:
    for private in private_keys.values():
        assert thumbprint(private) == thumbprint(public_jwk(private))


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"},
        {"kty": "RSA", "n": RFC7638_N[:170], "e": "AQAB"},  # ~1000 bits
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
        {"kty": "OKP", "crv": "X25519", "x": RFC8037_X},
        {"kty": "EC", "crv": "P-256", "x": "not-a-point", "y": "nope"},
        {"kty": "RSA", "n": 12, "e": "AQAB"},
        {"kty": ["RSA"]},
        {},
    ],
)
def test_import_refuses_weak_symmetric_or_malformed_keys(jwk: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        import_key(jwk)
