"""private_key_jwt client authentication (RFC 7523; OA-09, JW-01, JW-02, JW-03)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

import httpx
import pytest

from tests.flows.oauth_helpers import World, assert_oauth_error, make_world, set_client_jwks
from tier0.clock import FrozenClock, epoch
from tier0.container import Container
from tier0.jose import generate_private_jwk, public_jwk, sign_jwt
from tier0.protocol.client_authentication import JWT_BEARER_ASSERTION


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


@pytest.fixture
async def client_key(world: World) -> dict[str, Any]:
    private = generate_private_jwk("ES256", "client-key-1")
    await set_client_jwks(
        world.container, world.tenant, world.m2m.client_id, {"keys": [public_jwk(private)]}
    )
    return private


def claims_for(world: World, clock: FrozenClock, **override: Any) -> dict[str, Any]:
    now = epoch(clock.now())
    claims = {
        "iss": world.m2m.client_id,
        "sub": world.m2m.client_id,
        "aud": f"{world.issuer}/oauth/token",
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
    }
    claims.update(override)
    return claims


async def post_assertion(http: httpx.AsyncClient, world: World, assertion: str) -> httpx.Response:
    return await http.post(
        f"{world.path}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER_ASSERTION,
            "client_assertion": assertion,
        },
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims).encode())
    return f"{head}.{body}.{b64(signature)}"


async def test_oa09_private_key_jwt_authenticates(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    assertion = sign_jwt(claims_for(world, clock), private_jwk=client_key, typ="JWT")
    response = await post_assertion(client, world, assertion)
    assert response.status_code == 200, response.text


async def test_oa09_issuer_is_an_accepted_audience(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    claims = claims_for(world, clock, aud=world.issuer)
    response = await post_assertion(
        client, world, sign_jwt(claims, private_jwk=client_key, typ="JWT")
    )
    assert response.status_code == 200, response.text


async def test_oa09_replayed_jti_is_invalid_client(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    assertion = sign_jwt(claims_for(world, clock), private_jwk=client_key, typ="JWT")
    assert (await post_assertion(client, world, assertion)).status_code == 200
    assert_oauth_error(await post_assertion(client, world, assertion), "invalid_client", 401)


async def test_oa09_foreign_audience_is_invalid_client(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    claims = claims_for(world, clock, aud="https://other-idp.example.com/oauth/token")
    assertion = sign_jwt(claims, private_jwk=client_key, typ="JWT")
    assert_oauth_error(await post_assertion(client, world, assertion), "invalid_client", 401)


async def test_oa09_expired_assertion_is_invalid_client(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    assertion = sign_jwt(claims_for(world, clock), private_jwk=client_key, typ="JWT")
    clock.advance(60 + 61)  # past exp and the 60 s leeway
    assert_oauth_error(await post_assertion(client, world, assertion), "invalid_client", 401)


async def test_oa09_long_lived_assertion_is_invalid_client(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    claims = claims_for(world, clock, exp=epoch(clock.now()) + 3600)
    assertion = sign_jwt(claims, private_jwk=client_key, typ="JWT")
    assert_oauth_error(await post_assertion(client, world, assertion), "invalid_client", 401)


async def test_oa09_assertion_without_jti_or_wrong_sub_is_invalid_client(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    no_jti = {k: v for k, v in claims_for(world, clock).items() if k != "jti"}
    wrong_sub = claims_for(world, clock, sub="someone-else")
    for claims in (no_jti, wrong_sub):
        assertion = sign_jwt(claims, private_jwk=client_key, typ="JWT")
        assert_oauth_error(await post_assertion(client, world, assertion), "invalid_client", 401)


async def test_jw03_future_iat_is_refused(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    now = epoch(clock.now())
    late = claims_for(world, clock, iat=now + 120, exp=now + 200)
    refused = sign_jwt(late, private_jwk=client_key, typ="JWT")
    assert_oauth_error(await post_assertion(client, world, refused), "invalid_client", 401)
    skewed = claims_for(world, clock, iat=now + 5)
    accepted = sign_jwt(skewed, private_jwk=client_key, typ="JWT")
    assert (await post_assertion(client, world, accepted)).status_code == 200


async def test_jw01_alg_none_assertion_is_refused(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    assertion = unsigned({"alg": "none", "typ": "JWT"}, claims_for(world, clock))
    assert_oauth_error(await post_assertion(client, world, assertion), "invalid_client", 401)


async def test_jw01_hs256_keyed_with_public_key_is_refused(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    """Key confusion: an HMAC over the client's *public* JWK must never verify."""
    secret = json.dumps(public_jwk(client_key), sort_keys=True).encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": "client-key-1"}
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims_for(world, clock)).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    assertion = f"{head}.{body}.{b64(mac)}"
    assert_oauth_error(await post_assertion(client, world, assertion), "invalid_client", 401)


async def test_jw02_key_in_header_is_not_trusted(
    client: httpx.AsyncClient, world: World, client_key: dict[str, Any], clock: FrozenClock
) -> None:
    """A token signed by an attacker's key, offering that key via jwk/jku, is refused."""
    attacker = generate_private_jwk("ES256", "client-key-1")
    assertion = sign_jwt(
        claims_for(world, clock),
        private_jwk=attacker,
        typ="JWT",
        extra_header={"jwk": public_jwk(attacker), "jku": "https://attacker.example/jwks"},
    )
    assert_oauth_error(await post_assertion(client, world, assertion), "invalid_client", 401)


@pytest.mark.parametrize("kid", ["../x", "' OR 1=1 --", "\u0000", "k" * 3000])
async def test_jw02_hostile_kid_is_4xx_never_5xx(
    client: httpx.AsyncClient,
    world: World,
    client_key: dict[str, Any],
    clock: FrozenClock,
    kid: str,
) -> None:
    header = {"alg": "ES256", "typ": "JWT", "kid": kid}
    assertion = unsigned(header, claims_for(world, clock), b"\x00" * 64)
    response = await post_assertion(client, world, assertion)
    assert 400 <= response.status_code < 500
    assert response.json()["error"] in {"invalid_client", "invalid_request"}
