"""Refresh token rotation, reuse detection and lifetimes (OA-07, OA-08)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import jwt
import pytest

from tests.flows.oauth_helpers import (
    Client,
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
from tier0.clock import FrozenClock
from tier0.container import Container

SCOPE = ("openid", "email", "offline_access", "read:things", "write:things")


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


async def sign_in(http: httpx.AsyncClient, world: World, client: Client) -> dict[str, str]:
    issued = await issue_code(world, client, scope=SCOPE, audience=world.api.identifier)
    response = await post_token(http, world, code_form(issued, client), client)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def refresh(
    http: httpx.AsyncClient, world: World, token: str, client: Client, **extra: str
) -> httpx.Response:
    return await post_token(http, world, refresh_form(token, client, **extra), client)


async def test_refresh_rotates_and_keeps_scope(client: httpx.AsyncClient, world: World) -> None:
    tokens = await sign_in(client, world, world.spa)
    response = await refresh(client, world, tokens["refresh_token"], world.spa)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["scope"] == " ".join(SCOPE)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == [world.api.identifier, f"{world.issuer}/userinfo"]


async def test_oa07_rotated_out_token_revokes_family(
    client: httpx.AsyncClient, world: World
) -> None:
    """RFC 9700 §4.14.2: RT1 -> RT2; RT1 again fails and RT2 is dead too."""
    rt1 = (await sign_in(client, world, world.spa))["refresh_token"]
    second = await refresh(client, world, rt1, world.spa)
    assert second.status_code == 200
    rt2, at2 = second.json()["refresh_token"], second.json()["access_token"]
    assert_oauth_error(await refresh(client, world, rt1, world.spa), "invalid_grant")
    assert_oauth_error(await refresh(client, world, rt2, world.spa), "invalid_grant")
    assert await introspect(client, world, at2, world.web) == {"active": False}


async def test_oa07_concurrent_refresh_leaves_at_most_one_live_token(
    client: httpx.AsyncClient, world: World, backend: str
) -> None:
    rt1 = (await sign_in(client, world, world.web))["refresh_token"]
    responses = await asyncio.gather(*(refresh(client, world, rt1, world.web) for _ in range(8)))
    winners = [r.json()["refresh_token"] for r in responses if r.status_code == 200]
    assert len(winners) <= 1
    live = [t for t in winners if (await introspect(client, world, t))["active"]]
    assert len(live) <= 1
    # Seven losers presented a consumed token: the family is revoked.
    assert live == []


async def test_oa08_extra_scope_is_invalid_scope(client: httpx.AsyncClient, world: World) -> None:
    rt = (await sign_in(client, world, world.spa))["refresh_token"]
    response = await refresh(client, world, rt, world.spa, scope="read:things delete:things")
    assert_oauth_error(response, "invalid_scope")
    # The refused request did not consume the token.
    assert (await refresh(client, world, rt, world.spa)).status_code == 200


async def test_refresh_may_narrow_scope(client: httpx.AsyncClient, world: World) -> None:
    rt = (await sign_in(client, world, world.spa))["refresh_token"]
    narrowed = await refresh(client, world, rt, world.spa, scope="read:things")
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "read:things"
    # RFC 6749 §6: the new refresh token keeps the original scope.
    again = await refresh(client, world, narrowed.json()["refresh_token"], world.spa)
    assert again.json()["scope"] == " ".join(SCOPE)


async def test_oa08_refresh_token_bound_to_client(client: httpx.AsyncClient, world: World) -> None:
    rt = (await sign_in(client, world, world.spa))["refresh_token"]
    stolen = await refresh(client, world, rt, world.web)
    assert_oauth_error(stolen, "invalid_grant")
    assert (await refresh(client, world, rt, world.spa)).status_code == 200


async def test_oa08_absolute_lifetime_ends_the_family(
    client: httpx.AsyncClient, world: World, clock: FrozenClock
) -> None:
    rt = (await sign_in(client, world, world.spa))["refresh_token"]
    for _ in range(3):  # never idle for long: 9 days between uses (days 9, 18, 27)
        clock.advance(timedelta(days=9))
        response = await refresh(client, world, rt, world.spa)
        assert response.status_code == 200, response.text
        rt = response.json()["refresh_token"]
    clock.advance(timedelta(days=4))  # 31 days after sign-in: past the absolute 30
    assert_oauth_error(await refresh(client, world, rt, world.spa), "invalid_grant")


async def test_oa08_idle_lifetime_expires_unused_token(
    client: httpx.AsyncClient, world: World, clock: FrozenClock
) -> None:
    rt = (await sign_in(client, world, world.spa))["refresh_token"]
    clock.advance(timedelta(days=15, seconds=1))
    assert_oauth_error(await refresh(client, world, rt, world.spa), "invalid_grant")


async def test_blocked_user_cannot_refresh(client: httpx.AsyncClient, world: World) -> None:
    rt = (await sign_in(client, world, world.spa))["refresh_token"]
    await world.container.users.set_blocked(
        world.tenant, world.user.user_id, True, by=ChangedBy.cli()
    )
    assert_oauth_error(await refresh(client, world, rt, world.spa), "invalid_grant")


async def test_unknown_refresh_token_is_invalid_grant(
    client: httpx.AsyncClient, world: World
) -> None:
    assert_oauth_error(await refresh(client, world, "nope", world.spa), "invalid_grant")
