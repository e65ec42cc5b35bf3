"""Client credentials at /oauth/token: RFC 9068 tokens, scope and audience rules, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest

from tests.flows.oauth_helpers import World, assert_oauth_error, make_world
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


def verify_with_jwks(token: str, jwks: dict[str, Any], audience: str) -> dict[str, Any]:
    """Cross-check with PyJWT against the published JWKS (the test clock is frozen in the
    past, so PyJWT's wall-clock expiry check is off)."""
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == kid]
    key = jwt.PyJWK(jwk)
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key.key,
        algorithms=[jwk["alg"]],
        audience=audience,
        options={"verify_exp": False},
    )
    return claims


async def cc(http: httpx.AsyncClient, world: World, **form: str) -> httpx.Response:
    body = {"grant_type": "client_credentials", **form}
    return await http.post(f"{world.path}/oauth/token", data=body, headers=world.m2m.basic())


async def test_client_credentials_issues_rfc9068_token(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await cc(client, world, audience=world.api.identifier)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read:things"
    assert "refresh_token" not in body and "id_token" not in body
    header = jwt.get_unverified_header(body["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256"
    jwks = (await client.get(f"{world.path}/.well-known/jwks.json")).json()
    claims = verify_with_jwks(body["access_token"], jwks, world.api.identifier)
    assert claims["iss"] == world.issuer
    assert claims["sub"] == f"{world.m2m.client_id}@clients"
    assert claims["client_id"] == world.m2m.client_id
    assert claims["scope"] == "read:things"
    assert claims["exp"] - claims["iat"] == body["expires_in"] == world.api.token_lifetime
    assert len(claims["jti"]) >= 22


async def test_client_credentials_defaults_to_the_only_granted_api(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await cc(client, world)
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == world.api.identifier


async def test_client_credentials_accepts_resource_and_json(
    client: httpx.AsyncClient, world: World
) -> None:
    body = json.dumps({"grant_type": "client_credentials", "resource": world.api.identifier})
    response = await client.post(
        f"{world.path}/oauth/token",
        content=body,
        headers={**world.m2m.basic(), "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


async def test_oa08_client_credentials_scope_beyond_grant_is_invalid_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await cc(client, world, audience=world.api.identifier, scope="write:things")
    assert_oauth_error(response, "invalid_scope")


async def test_client_credentials_ungranted_api_is_invalid_target(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await cc(client, world, audience="https://other.example.com")
    assert_oauth_error(response, "invalid_target")


async def test_oa09_wrong_secret_is_invalid_client_with_basic_challenge(
    client: httpx.AsyncClient, world: World
) -> None:
    import base64

    bad = base64.b64encode(f"{world.m2m.client_id}:{'x' * 43}".encode()).decode()
    response = await client.post(
        f"{world.path}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"authorization": f"Basic {bad}"},
    )
    assert_oauth_error(response, "invalid_client", 401)
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_oa09_secret_in_body_or_header_but_no_other_kind(
    client: httpx.AsyncClient, world: World
) -> None:
    """A secret client may send its secret by Basic or in the body (the same credential;
    Auth0's SDKs and openid-client default to the body), but never switch to an assertion."""
    body = await client.post(
        f"{world.path}/oauth/token",
        data={"grant_type": "client_credentials", **world.m2m.post_auth()},
    )
    assert body.status_code == 200, body.text
    assertion = await client.post(
        f"{world.path}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": world.m2m.client_id,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "eyJhbGciOiJub25lIn0.e30.",
        },
    )
    assert_oauth_error(assertion, "invalid_client", 401)


async def test_oa09_confidential_client_without_credentials_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"{world.path}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": world.m2m.client_id},
    )
    assert_oauth_error(response, "invalid_client", 401)


async def test_unknown_client_is_invalid_client(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{world.path}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
    )
    assert_oauth_error(response, "invalid_client", 401)


async def test_oa11_password_grant_is_unsupported(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{world.path}/oauth/token",
        data={"grant_type": "password", "username": "a", "password": "b"},
        headers=world.m2m.basic(),
    )
    assert_oauth_error(response, "unsupported_grant_type")


async def test_oa11_grant_not_registered_is_unauthorized_client(
    client: httpx.AsyncClient, world: World
) -> None:
    """The SPA (public, code + refresh only) may not use client credentials."""
    response = await client.post(
        f"{world.path}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": world.spa.client_id},
    )
    assert_oauth_error(response, "unauthorized_client")


async def test_duplicate_parameter_is_invalid_request(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"{world.path}/oauth/token",
        content="grant_type=client_credentials&audience=a&audience=b",
        headers={**world.m2m.basic(), "content-type": "application/x-www-form-urlencoded"},
    )
    assert_oauth_error(response, "invalid_request")


async def test_duplicate_json_key_is_invalid_request(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"{world.path}/oauth/token",
        content='{"grant_type": "client_credentials", "grant_type": "password"}',
        headers={**world.m2m.basic(), "content-type": "application/json"},
    )
    assert_oauth_error(response, "invalid_request")


async def test_other_content_type_is_invalid_request(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"{world.path}/oauth/token",
        content="grant_type=client_credentials",
        headers={**world.m2m.basic(), "content-type": "text/plain"},
    )
    assert_oauth_error(response, "invalid_request")


async def test_rs256_api_signs_with_rs256(container: Container, client: httpx.AsyncClient) -> None:
    world = await make_world(container, alg="RS256")
    response = await cc(client, world)
    assert response.status_code == 200, response.text
    header = jwt.get_unverified_header(response.json()["access_token"])
    assert header["alg"] == "RS256"


async def test_bf04_client_secret_guessing_is_throttled(
    client: httpx.AsyncClient, world: World, clock: FrozenClock
) -> None:
    """Wrong secrets give invalid_client, then 429 with Retry-After; even the right secret
    waits; after the wait it works again."""
    import base64

    wrong = base64.b64encode(f"{world.m2m.client_id}:{'x' * 43}".encode()).decode()
    statuses = []
    for _ in range(15):
        response = await client.post(
            f"{world.path}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"authorization": f"Basic {wrong}"},
        )
        statuses.append(response.status_code)
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    refused = await cc(client, world)
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["cache-control"] == "no-store"
    clock.advance(int(refused.headers["retry-after"]))
    assert (await cc(client, world)).status_code == 200


async def test_authz_dialect_adds_permissions(
    container: Container, client: httpx.AsyncClient
) -> None:
    from tests.flows.oauth_helpers import make_api, make_client, make_tenant
    from tier0.domain import AppType

    tenant = await make_tenant(container)
    api = await make_api(container, tenant, dialect="rfc9068_profile_authz")
    m2m = await make_client(container, tenant, AppType.NON_INTERACTIVE)
    await container.client_grants.create(
        tenant, m2m.client_id, api.identifier, ["read:things", "write:things"], by=ChangedBy.cli()
    )
    response = await client.post(
        f"/t/{tenant.name}/oauth/token",
        data={"grant_type": "client_credentials", "scope": "read:things"},
        headers=m2m.basic(),
    )
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["permissions"] == ["read:things"]


async def test_unexpected_failure_is_server_error_without_details(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: whatever breaks inside, the client sees RFC 6749 server_error JSON."""

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internal detail at /var/lib/tier0")

    monkeypatch.setattr(world.container.oauth.token, "handle", broken)
    response = await cc(client, world)
    assert_oauth_error(response, "server_error", 500)
    assert "internal detail" not in response.text and "Traceback" not in response.text
