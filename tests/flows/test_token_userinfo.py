"""UserInfo (OIDC Core §5.3; OA-12, JW-03)."""

from __future__ import annotations

import base64
import json

import httpx
import jwt
import pytest

from tests.flows.oauth_helpers import World, code_form, issue_code, make_world, post_token
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import User
from tier0.protection.rate_limits import DEFAULT_LIMITS, EndpointClass, Scope
from tier0.services.users import UserSpec


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


async def tokens_for(
    http: httpx.AsyncClient,
    world: World,
    *,
    audience: str | None = None,
    user: User | None = None,
) -> dict[str, str]:
    issued = await issue_code(
        world, world.spa, scope=("openid", "email", "profile"), audience=audience, user=user
    )
    response = await post_token(http, world, code_form(issued, world.spa), world.spa)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_userinfo_returns_claims_for_header_token(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await tokens_for(client, world)
    response = await client.get(f"{world.path}/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sub"] == world.user.user_id
    assert body["email"] == world.user.email and body["name"] == "Ada"
    assert response.headers["cache-control"] == "no-store"


async def test_userinfo_accepts_api_token_with_userinfo_audience(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await tokens_for(client, world, audience=world.api.identifier)
    response = await client.get(f"{world.path}/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text


async def test_userinfo_accepts_form_body_token(client: httpx.AsyncClient, world: World) -> None:
    tokens = await tokens_for(client, world)
    response = await client.post(
        f"{world.path}/userinfo", data={"access_token": tokens["access_token"]}
    )
    assert response.status_code == 200, response.text


async def test_oa12_query_access_token_is_401(client: httpx.AsyncClient, world: World) -> None:
    tokens = await tokens_for(client, world)
    response = await client.get(
        f"{world.path}/userinfo", params={"access_token": tokens["access_token"]}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_oa12_token_for_another_api_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    """A client-credentials token for the API only is not a userinfo token."""
    cc = await client.post(
        f"{world.path}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=world.m2m.basic(),
    )
    response = await client.get(f"{world.path}/userinfo", headers=bearer(cc.json()["access_token"]))
    assert response.status_code == 401


async def test_jw03_id_token_as_bearer_is_401(client: httpx.AsyncClient, world: World) -> None:
    tokens = await tokens_for(client, world)
    response = await client.get(f"{world.path}/userinfo", headers=bearer(tokens["id_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_missing_token_gets_bare_challenge(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{world.path}/userinfo")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="tier0"'


async def test_revoked_grant_token_is_refused(client: httpx.AsyncClient, world: World) -> None:
    tokens = await tokens_for(client, world)
    await client.post(
        f"{world.path}/oauth/revoke",
        data={"token": tokens["access_token"], "client_id": world.spa.client_id},
    )
    response = await client.get(f"{world.path}/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


async def test_token_of_another_tenant_is_refused(
    container: Container, client: httpx.AsyncClient, world: World
) -> None:
    tokens = await tokens_for(client, world)
    other = await make_world(container)
    response = await client.get(f"{other.path}/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forged(header: dict[str, object], claims: dict[str, object], signature: bytes) -> str:
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_b64(signature)}"


async def test_jw01_alg_none_access_token_is_401(client: httpx.AsyncClient, world: World) -> None:
    tokens = await tokens_for(client, world)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    forged = _forged({"alg": "none", "typ": "at+jwt"}, claims, b"")
    response = await client.get(f"{world.path}/userinfo", headers=bearer(forged))
    assert response.status_code == 401
    response = await client.post(f"{world.path}/userinfo", data={"access_token": forged})
    assert response.status_code in (400, 401)


@pytest.mark.parametrize("kid", ["../x", "' OR 1=1 --", "k" * 2000])
async def test_jw02_hostile_kid_at_userinfo_is_4xx(
    client: httpx.AsyncClient, world: World, kid: str
) -> None:
    tokens = await tokens_for(client, world)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    forged = _forged({"alg": "ES256", "typ": "at+jwt", "kid": kid}, claims, b"\x01" * 64)
    response = await client.get(f"{world.path}/userinfo", headers=bearer(forged))
    assert 400 <= response.status_code < 500


async def test_av01_userinfo_counts_each_users_limit_after_the_token_is_verified(
    client: httpx.AsyncClient, world: World, clock: FrozenClock
) -> None:
    """Auth0 limits /userinfo per user ID: the per-(tenant, user) cell of the default table
    (10 a minute) is counted once the token is verified. Over it: 429 in the OAuth error
    format with Retry-After; another user of the tenant is still served, and forged tokens
    naming the user spend nothing of the user's budget."""
    assert DEFAULT_LIMITS[EndpointClass.USERINFO][Scope.USER] == "10/minute"
    tokens = await tokens_for(client, world)
    other_user = await world.container.users.create(
        world.tenant,
        UserSpec(email="grace@example.com", name="Grace", email_verified=True),
        by=ChangedBy.cli(),
    )
    others = await tokens_for(client, world, user=other_user)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    forged = _forged({"alg": "ES256", "typ": "at+jwt"}, claims, b"\x01" * 64)
    url = f"{world.path}/userinfo"
    for _ in range(5):
        assert (await client.get(url, headers=bearer(forged))).status_code == 401
    served = [
        (await client.get(url, headers=bearer(tokens["access_token"]))).status_code
        for _ in range(10)
    ]
    assert served == [200] * 10
    refused = await client.post(url, data={"access_token": tokens["access_token"]})
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "too_many_requests",
        "error_description": "Too many requests. Retry after 60 seconds.",
    }
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["x-ratelimit-limit"] == "10"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["cache-control"] == "no-store"
    assert "sub" not in refused.text
    other = await client.get(url, headers=bearer(others["access_token"]))
    assert other.status_code == 200 and other.json()["sub"] == other_user.user_id
    query = EventQuery(tenant_id=world.tenant.id, types=[EventType.RATE_LIMIT_EXCEEDED])
    (event,) = await world.container.audit.search(query)
    assert dict(event.event.details) == {"endpoint": "userinfo", "scope": "user", "limit": 10}
    clock.advance(60)
    again = await client.get(url, headers=bearer(tokens["access_token"]))
    assert again.status_code == 200, again.text
