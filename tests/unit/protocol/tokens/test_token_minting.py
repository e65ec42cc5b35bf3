"""Minting access and ID tokens (RFC 9068, OIDC Core §2), checked with PyJWT."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tier0.domain import User
from tier0.jose import JwtSigner, generate_private_jwk, public_jwk, sign_jwt
from tier0.protocol.tokens.access_token import AccessTokenSpec, mint_access_token
from tier0.protocol.tokens.id_token import IdTokenSpec, at_hash, mint_id_token

NOW = datetime(2030, 1, 1, tzinfo=UTC)
ISSUER = "https://id.example.com/t/acme"


def decode(token: str, jwk: dict[str, object], audience: str) -> dict[str, object]:
    key = jwt.PyJWK(public_jwk(jwk)).key
    claims: dict[str, object] = jwt.decode(
        token,
        key=key,
        algorithms=[str(jwk["alg"])],
        audience=audience,
        options={"verify_exp": False, "verify_iat": False},
    )
    return claims


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_jwt_signer_matches_sign_jwt_rules(alg: str) -> None:
    private = generate_private_jwk(alg, "k-1")
    signer = JwtSigner(private)
    token = signer.sign({"sub": "x", "aud": "a"}, typ="at+jwt")
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": "k-1", "typ": "at+jwt"}
    assert repr(signer) == f"JwtSigner(alg={alg!r}, kid='k-1')"  # never the private key
    with pytest.raises(ValueError, match="extra_header"):
        signer.sign({}, typ="JWT", extra_header={"alg": "none"})
    with pytest.raises(ValueError):
        JwtSigner(public_jwk(private))
    assert sign_jwt({"a": 1}, private_jwk=private, typ="JWT").count(".") == 2


def test_access_token_has_rfc9068_claims() -> None:
    private = generate_private_jwk("ES256", "k-2")
    spec = AccessTokenSpec(
        tenant_id="ten_1",
        issuer=ISSUER,
        subject="usr_1",
        client_id="client-1",
        audience=("https://api.example.com", f"{ISSUER}/userinfo"),
        scope=("openid", "read:x"),
        lifetime=timedelta(minutes=10),
        signing_alg="ES256",
        grant_id="grt_1",
        auth_time=NOW - timedelta(minutes=1),
        permissions=["read:x"],
    )
    issued = mint_access_token(spec, signer=JwtSigner(private), now=NOW)
    assert jwt.get_unverified_header(issued.token)["typ"] == "at+jwt"
    claims = decode(issued.token, private, "https://api.example.com")
    assert claims["iss"] == ISSUER and claims["sub"] == "usr_1"
    assert claims["client_id"] == "client-1" and claims["scope"] == "openid read:x"
    assert claims["exp"] == claims["iat"] + 600 == int(NOW.timestamp()) + 600  # type: ignore[operator]
    assert claims["gid"] == "grt_1" and claims["permissions"] == ["read:x"]
    assert claims["jti"] == issued.jti and issued.expires_in == 600


def test_access_token_refuses_missing_audience_and_wrong_key() -> None:
    private = generate_private_jwk("ES256", "k-3")
    spec = AccessTokenSpec(
        tenant_id="t", issuer=ISSUER, subject="s", client_id="c", audience=(), scope=(),
        lifetime=timedelta(minutes=1), signing_alg="ES256",
    )  # fmt: skip
    with pytest.raises(ValueError, match="audience"):
        mint_access_token(spec, signer=JwtSigner(private), now=NOW)
    rs = AccessTokenSpec(
        tenant_id="t", issuer=ISSUER, subject="s", client_id="c", audience=("a",), scope=(),
        lifetime=timedelta(minutes=1), signing_alg="RS256",
    )  # fmt: skip
    with pytest.raises(ValueError, match="signing_alg"):
        mint_access_token(rs, signer=JwtSigner(private), now=NOW)


def test_oa04_id_token_claims_and_at_hash() -> None:
    private = generate_private_jwk("RS256", "k-4", rsa_bits=2048)
    user = User(tenant_id="t", user_id="usr_9", email="ada@example.com", email_verified=True,
                name="Ada")  # fmt: skip
    spec = IdTokenSpec(
        tenant_id="t",
        issuer=ISSUER,
        client_id="client-9",
        user=user,
        scope=("openid", "email"),
        lifetime=timedelta(hours=1),
        auth_time=NOW - timedelta(minutes=5),
        nonce="n" * 64,
        access_token="header.payload.signature",
        amr=("pwd", "otp"),
        sid="sid-1",
    )
    token = mint_id_token(spec, signer=JwtSigner(private), now=NOW)
    claims = decode(token, private, "client-9")
    assert claims["nonce"] == "n" * 64 and claims["sid"] == "sid-1"
    assert claims["auth_time"] == int((NOW - timedelta(minutes=5)).timestamp())
    assert claims["amr"] == ["pwd", "otp"] and "acr" not in claims
    assert claims["email"] == "ada@example.com" and "name" not in claims  # no profile scope
    digest = hashlib.sha256(b"header.payload.signature").digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert at_hash("x", "EdDSA") != at_hash("x", "RS256")
