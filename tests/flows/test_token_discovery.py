"""Discovery and JWKS (OA-03, OA-10, JW-04 publication)."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.oauth_helpers import World, make_world
from tier0.container import Container

PRIVATE = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


async def test_oa10_discovery_issuer_is_exact(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{world.path}/.well-known/openid-configuration")
    assert response.status_code == 200
    meta = response.json()
    assert meta["issuer"] == world.issuer == f"http://127.0.0.1:8000/t/{world.tenant.name}"
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["token_endpoint"] == f"{world.issuer}/oauth/token"
    assert meta["authorization_endpoint"] == f"{world.issuer}/authorize"
    assert meta["end_session_endpoint"] == f"{world.issuer}/oidc/logout"
    assert meta["jwks_uri"] == f"{world.issuer}/.well-known/jwks.json"
    assert meta["response_types_supported"] == ["code"]
    assert "password" not in meta["grant_types_supported"]
    assert "none" not in meta["id_token_signing_alg_values_supported"]
    assert not any(
        a.startswith("HS") for a in meta["token_endpoint_auth_signing_alg_values_supported"]
    )


async def test_oa03_discovery_advertises_s256_only(client: httpx.AsyncClient, world: World) -> None:
    meta = (await client.get(f"{world.path}/.well-known/openid-configuration")).json()
    assert meta["code_challenge_methods_supported"] == ["S256"]


async def test_jwks_has_public_keys_only_and_cache_headers(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(f"{world.path}/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys, "a fresh tenant publishes its keys before the first token"
    assert all(not (PRIVATE & key.keys()) for key in keys)
    assert len({key["kid"] for key in keys}) == len(keys)
    cache = response.headers["cache-control"]
    max_age = int(cache.split("max-age=")[1])
    assert cache.startswith("public") and 0 < max_age <= world.container.settings.jwks_cache_ttl


async def test_unknown_tenant_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/t/no-such-tenant/.well-known/openid-configuration")
    assert response.status_code == 404


async def test_mf04_discovery_advertises_the_multi_factor_acr(
    client: httpx.AsyncClient, world: World
) -> None:
    # The acr a client may put in acr_values to force the second factor (step-up).
    meta = (await client.get(f"{world.path}/.well-known/openid-configuration")).json()
    assert meta["acr_values_supported"] == [
        "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
    ]
    assert "acr" in meta["claims_supported"]
