"""A client's ID-token algorithm (OIDC Dynamic Client Registration §2
``id_token_signed_response_alg``): RS256 unless the application chose another of the
tenant's asymmetric algorithms; the code and refresh grants both honour it, the signature
verifies against the tenant's JWKS, ``at_hash`` uses the algorithm's hash, and discovery
still lists RS256 first (OIDC Discovery §3)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from typing import Any

import jwt
import pytest

from tests.flows.login.conftest import CALLBACK, World
from tier0.audit.changes import ChangedBy
from tier0.errors import InvalidInput
from tier0.services.applications import ApplicationSpec


async def _choose(world: World, alg: str) -> None:
    app = world.app
    spec = ApplicationSpec(
        app.name,
        app.app_type,
        callbacks=app.callbacks,
        allowed_logout_urls=app.allowed_logout_urls,
        grant_types=app.grant_types,
        id_token_signed_response_alg=alg,
    )
    world.app = await world.container.applications.update(
        world.tenant, app.client_id, spec, by=ChangedBy.cli()
    )


async def _tokens(world: World) -> dict[str, Any]:
    return await world.signed_in_tokens("openid profile offline_access")


async def _verified(world: World, token: str, alg: str) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    assert header["alg"] == alg and header["typ"] == "JWT"
    jwks = (await world.client.get(f"{world.base}/.well-known/jwks.json")).json()
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key.key,
        algorithms=[alg],
        audience=world.app.client_id,
        options={"verify_exp": False, "verify_iat": False},
    )
    return claims


def _at_hash(access_token: str, alg: str) -> str:
    digest = (hashlib.sha512 if alg == "EdDSA" else hashlib.sha256)(access_token.encode())
    half = digest.digest()[: len(digest.digest()) // 2]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode()


async def test_id_tokens_are_rs256_by_default(world: World) -> None:
    assert world.app.id_token_signed_response_alg == "RS256"
    body = await _tokens(world)
    claims = await _verified(world, body["id_token"], "RS256")
    assert claims["at_hash"] == _at_hash(body["access_token"], "RS256")


@pytest.mark.parametrize("alg", ["ES256", "PS256", "EdDSA"])
async def test_an_application_gets_id_tokens_in_its_algorithm(world: World, alg: str) -> None:
    """The code grant's and the refresh grant's ID tokens, signed with the tenant's key of
    the application's algorithm and published in its JWKS."""
    await _choose(world, alg)
    body = await _tokens(world)
    claims = await _verified(world, body["id_token"], alg)
    assert claims["nonce"] == "nonce-456"
    assert claims["at_hash"] == _at_hash(body["access_token"], alg)
    refreshed = await world.client.post(
        f"{world.base}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=(world.app.client_id, world.secret),
    )
    assert refreshed.status_code == 200, refreshed.text
    again = await _verified(world, refreshed.json()["id_token"], alg)
    assert again["sub"] == claims["sub"] and again["auth_time"] == claims["auth_time"]


async def test_jw01_only_asymmetric_algorithms_can_be_chosen(world: World) -> None:
    """JW-01: never ``none`` nor an HMAC (RFC 8725 §3.1), nor an unknown name."""
    for alg in ("none", "HS256", "RS512", "rs256"):
        with pytest.raises(InvalidInput):
            await _choose(world, alg)
    with pytest.raises(InvalidInput):
        await world.container.applications.create(
            world.tenant,
            replace(
                ApplicationSpec("other", world.app.app_type, callbacks=(CALLBACK,)),
                id_token_signed_response_alg="HS256",
            ),
            by=ChangedBy.cli(),
        )


async def test_discovery_lists_rs256_first_and_every_choice(world: World) -> None:
    meta = (await world.client.get(f"{world.base}/.well-known/openid-configuration")).json()
    algs = meta["id_token_signing_alg_values_supported"]
    assert algs[0] == "RS256" and set(algs) == {"RS256", "ES256", "PS256", "EdDSA"}
