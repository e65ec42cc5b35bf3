"""Cross-checks against PyJWT (an independent implementation) and RFC 8037 vectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import pytest

from tier0.clock import FrozenClock
from tier0.jose import InvalidJwt, JwtSigner, public_jwk, sign_jwt, verify_jwt
from tier0.jose.algorithms import SIGNING_ALGS

Keys = dict[str, dict[str, Any]]
ClaimsFactory = Callable[..., dict[str, Any]]

# RFC 8037 appendix A.2 public key and the A.4 JWS over "Example of Ed25519 signing".
RFC8037_PUBLIC = {
    "kty": "OKP",
    "crv": "Ed25519",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


@pytest.mark.parametrize("alg", sorted(SIGNING_ALGS))
def test_signed_by_tier0_verifies_with_pyjwt(
    alg: str, private_keys: Keys, claims: ClaimsFactory, clock: FrozenClock
) -> None:
    private = private_keys[alg]
    token = sign_jwt(claims(), private_jwk=private, typ="at+jwt")
    key = pyjwt.PyJWK(public_jwk(private))
    decoded = pyjwt.decode(
        token,
        key,
        algorithms=[alg],
        audience="api",
        issuer="https://issuer.example/",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert decoded == claims()
    header = pyjwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": private["kid"], "typ": "at+jwt"}


@pytest.mark.parametrize("alg", sorted(SIGNING_ALGS))
def test_signed_by_pyjwt_verifies_with_tier0(
    alg: str, private_keys: Keys, claims: ClaimsFactory, clock: FrozenClock
) -> None:
    private = private_keys[alg]
    signer = pyjwt.PyJWK(private)
    token = pyjwt.encode(
        claims(), signer.key, algorithm=alg, headers={"kid": private["kid"], "typ": "JWT"}
    )
    verified = verify_jwt(
        token,
        keys=[public_jwk(private)],
        allowed_algs=SIGNING_ALGS,
        expected_typ="JWT",
        issuer="https://issuer.example/",
        audience="api",
        clock=clock,
    )
    assert verified == claims()


def test_pyjwt_token_tampered_is_refused(
    private_keys: Keys, claims: ClaimsFactory, clock: FrozenClock
) -> None:
    private = private_keys["PS256"]
    token = pyjwt.encode(
        claims(), pyjwt.PyJWK(private).key, algorithm="PS256", headers={"kid": private["kid"]}
    )
    header, _payload, signature = token.split(".")
    forged = pyjwt.encode(claims(sub="admin"), "k" * 32, algorithm="HS256").split(".")[1]
    with pytest.raises(InvalidJwt) as caught:
        verify_jwt(
            f"{header}.{forged}.{signature}",
            keys=[public_jwk(private)],
            allowed_algs=SIGNING_ALGS,
            expected_typ=None,
            issuer=None,
            audience=None,
            clock=clock,
        )
    assert "no key" in caught.value.debug


def test_rfc8037_a4_signature_verifies_but_is_not_a_jwt(clock: FrozenClock) -> None:
    """RFC 8037 A.5: the A.4 signature is valid. Its payload is text, not a claim set, so
    verify_jwt gets past the signature and then refuses the payload."""
    with pytest.raises(InvalidJwt) as caught:
        verify_jwt(
            RFC8037_JWS,
            keys=[RFC8037_PUBLIC],
            allowed_algs=SIGNING_ALGS,
            expected_typ=None,
            issuer=None,
            audience=None,
            clock=clock,
            required=(),
        )
    assert caught.value.debug.startswith("JSONDecodeError")
    tampered = RFC8037_JWS[:-2] + ("AA" if not RFC8037_JWS.endswith("AA") else "AB")
    with pytest.raises(InvalidJwt) as caught:
        verify_jwt(
            tampered,
            keys=[RFC8037_PUBLIC],
            allowed_algs=SIGNING_ALGS,
            expected_typ=None,
            issuer=None,
            audience=None,
            clock=clock,
            required=(),
        )
    assert "no key" in caught.value.debug


@pytest.mark.parametrize("alg", sorted(SIGNING_ALGS))
def test_jwt_signer_tokens_verify_with_pyjwt_and_tier0(
    alg: str, private_keys: Keys, claims: ClaimsFactory, clock: FrozenClock
) -> None:
    """JwtSigner serialises and signs without joserfc's per-token path: its tokens (the
    cached header, and one with extra members) must verify with PyJWT and with tier0."""
    private = private_keys[alg]
    signer = JwtSigner(private)
    for extra in (None, {"jku": "https://issuer.example/jwks"}):
        token = signer.sign(claims(), typ="at+jwt", extra_header=extra)
        decoded = pyjwt.decode(
            token,
            pyjwt.PyJWK(public_jwk(private)),
            algorithms=[alg],
            audience="api",
            issuer="https://issuer.example/",
            options={"verify_exp": False, "verify_iat": False},
        )
        assert decoded == claims()
        header = {"alg": alg, "kid": private["kid"], "typ": "at+jwt", **(extra or {})}
        assert pyjwt.get_unverified_header(token) == header
        verified = verify_jwt(
            token,
            keys=[public_jwk(private)],
            allowed_algs=frozenset({alg}),
            expected_typ="at+jwt",
            issuer="https://issuer.example/",
            audience="api",
            clock=clock,
        )
        assert verified == claims()
    with pytest.raises(ValueError, match=r"Infinity|NaN|JSON"):
        signer.sign({"exp": float("inf")}, typ="JWT")


def test_jwt_signer_es256_pads_r_and_s_to_32_octets(private_keys: Keys) -> None:
    """RFC 7518 §3.4: R and S are each 32 octets, left-padded with zeros. About one
    signature in 128 has a coordinate below 2**248; 600 of them all verify with PyJWT."""
    private = private_keys["ES256"]
    signer = JwtSigner(private)
    key = pyjwt.PyJWK(public_jwk(private))
    for i in range(600):
        token = signer.sign({"n": i}, typ="JWT")
        signature = token.rsplit(".", 1)[1]
        assert len(signature) == 86  # 64 octets in unpadded base64url
        assert pyjwt.decode(token, key, algorithms=["ES256"]) == {"n": i}
