"""Introspection (RFC 7662) and revocation (RFC 7009) (OA-08, SE-05)."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.oauth_helpers import (
    World,
    assert_oauth_error,
    code_form,
    introspect,
    issue_code,
    make_world,
    post_token,
    refresh_form,
)
from tier0.audit.changes import ChangedBy
from tier0.container import Container


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


async def sign_in(http: httpx.AsyncClient, world: World) -> dict[str, str]:
    issued = await issue_code(world, world.web, audience=world.api.identifier)
    response = await post_token(http, world, code_form(issued, world.web), world.web)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def test_introspection_describes_own_active_tokens(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await sign_in(client, world)
    access = await introspect(client, world, tokens["access_token"])
    assert access["active"] is True
    assert access["client_id"] == world.web.client_id
    assert access["sub"] == world.user.user_id
    assert access["iss"] == world.issuer
    assert "gid" not in access
    refresh = await introspect(client, world, tokens["refresh_token"])
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token"


async def test_oa08_other_clients_token_is_inactive(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await sign_in(client, world)
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert await introspect(client, world, token, world.m2m) == {"active": False}


async def test_oa08_introspection_requires_client_authentication(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await sign_in(client, world)
    anonymous = await client.post(
        f"{world.path}/oauth/introspect", data={"token": tokens["access_token"]}
    )
    assert_oauth_error(anonymous, "invalid_client", 401)
    public = await client.post(
        f"{world.path}/oauth/introspect",
        data={"token": tokens["access_token"], "client_id": world.spa.client_id},
    )
    assert_oauth_error(public, "invalid_client", 401)


async def test_unknown_or_garbage_token_is_inactive(
    client: httpx.AsyncClient, world: World
) -> None:
    for token in ("nope", "a.b.c", "x" * 500):
        assert await introspect(client, world, token) == {"active": False}


async def test_oa08_revoking_refresh_token_kills_family(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await sign_in(client, world)
    response = await client.post(
        f"{world.path}/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        headers=world.web.basic(),
    )
    assert response.status_code == 200
    assert await introspect(client, world, tokens["access_token"]) == {"active": False}
    assert await introspect(client, world, tokens["refresh_token"]) == {"active": False}
    refreshed = await post_token(
        client, world, refresh_form(tokens["refresh_token"], world.web), world.web
    )
    assert_oauth_error(refreshed, "invalid_grant")


async def test_revoking_access_token_revokes_its_grant(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await sign_in(client, world)
    response = await client.post(
        f"{world.path}/oauth/revoke",
        data={"token": tokens["access_token"]},
        headers=world.web.basic(),
    )
    assert response.status_code == 200
    assert await introspect(client, world, tokens["access_token"]) == {"active": False}


async def test_revoke_unknown_token_is_200(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{world.path}/oauth/revoke", data={"token": "unknown"}, headers=world.web.basic()
    )
    assert response.status_code == 200


async def test_revoke_other_clients_token_changes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await sign_in(client, world)
    response = await client.post(
        f"{world.path}/oauth/revoke",
        data={"token": tokens["refresh_token"]},
        headers=world.m2m.basic(),
    )
    assert response.status_code == 200
    assert (await introspect(client, world, tokens["refresh_token"]))["active"] is True


async def test_revoke_needs_client_authentication(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(f"{world.path}/oauth/revoke", data={"token": "x"})
    assert_oauth_error(response, "invalid_client", 401)


async def test_se05_blocked_user_tokens_are_inactive(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await sign_in(client, world)
    await world.container.users.set_blocked(
        world.tenant, world.user.user_id, True, by=ChangedBy.cli()
    )
    assert await introspect(client, world, tokens["access_token"]) == {"active": False}
    assert await introspect(client, world, tokens["refresh_token"]) == {"active": False}
