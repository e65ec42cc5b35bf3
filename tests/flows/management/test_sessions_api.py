"""A user's sessions and refresh tokens over the management API: listed in Auth0's shapes,
ended one by one or all at once, and a revoked refresh token takes its family (and the
grant's access tokens) with it."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.management.harness import Caller, make_caller
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
from tier0.audit import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container

SCOPE = ("openid", "offline_access", "read:things")


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


@pytest.fixture
async def admin(container: Container, world: World) -> Caller:
    return await make_caller(container, world.tenant.name, tenant=world.tenant)


async def _sign_in(
    http: httpx.AsyncClient, world: World, session_id: str | None = None
) -> dict[str, str]:
    issued = await issue_code(
        world, world.spa, scope=SCOPE, audience=world.api.identifier, session_id=session_id
    )
    response = await post_token(http, world, code_form(issued, world.spa), world.spa)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def test_deleting_a_session_ends_it_and_revokes_its_refresh_tokens(
    client: httpx.AsyncClient, container: Container, world: World, admin: Caller
) -> None:
    started = await container.sessions.start(world.tenant, world.user.user_id, amr=("pwd",))
    sid = started.session.sid
    tokens = await _sign_in(client, world, session_id=sid)
    headers = await admin.issued_headers(client)
    url = f"{admin.base}/users/{world.user.user_id}/sessions"
    listed = (await client.get(url, headers=headers)).json()
    assert [s["id"] for s in listed["sessions"]] == [sid] and listed["next"] is None
    assert listed["sessions"][0]["authentication"]["methods"][0]["name"] == "pwd"
    assert "id_hash" not in listed["sessions"][0]
    deleted = await client.delete(f"{admin.base}/sessions/{sid}", headers=headers)
    assert deleted.status_code == 204
    assert await container.sessions.current(world.tenant, started.cookie_value) is None
    refreshed = await post_token(
        client, world, refresh_form(tokens["refresh_token"], world.spa), world.spa
    )
    assert_oauth_error(refreshed, "invalid_grant")
    assert (await introspect(client, world, tokens["access_token"]))["active"] is False
    assert (await client.get(url, headers=headers)).json()["sessions"] == []
    again = await client.delete(f"{admin.base}/sessions/{sid}", headers=headers)
    assert again.status_code == 404


async def test_deleting_a_refresh_token_revokes_the_whole_family(
    client: httpx.AsyncClient, world: World, admin: Caller
) -> None:
    tokens = await _sign_in(client, world)
    headers = await admin.issued_headers(client)
    url = f"{admin.base}/users/{world.user.user_id}/refresh-tokens"
    (family,) = (await client.get(url, headers=headers)).json()["tokens"]
    assert family["client_id"] == world.spa.client_id and family["rotating"] is True
    assert family["resource_servers"] == [{"audience": world.api.identifier, "scopes": list(SCOPE)}]
    # Rotation keeps the family's id: it names the family, not one token of it.
    rotated = await post_token(
        client, world, refresh_form(tokens["refresh_token"], world.spa), world.spa
    )
    assert rotated.status_code == 200
    (same,) = (await client.get(url, headers=headers)).json()["tokens"]
    assert same["id"] == family["id"] and same["last_exchanged_at"] is not None
    deleted = await client.delete(f"{admin.base}/refresh-tokens/{family['id']}", headers=headers)
    assert deleted.status_code == 204
    newest = rotated.json()["refresh_token"]
    refused = await post_token(client, world, refresh_form(newest, world.spa), world.spa)
    assert_oauth_error(refused, "invalid_grant")
    assert (await introspect(client, world, rotated.json()["access_token"]))["active"] is False
    assert (await client.get(url, headers=headers)).json()["tokens"] == []
    again = await client.delete(f"{admin.base}/refresh-tokens/{family['id']}", headers=headers)
    assert again.status_code == 404


async def test_deleting_all_sessions_of_a_user_signs_them_out_everywhere(
    client: httpx.AsyncClient, container: Container, world: World, admin: Caller
) -> None:
    user_id = world.user.user_id
    browsers = [
        await container.sessions.start(world.tenant, user_id, amr=("pwd",)) for _ in range(2)
    ]
    headers = await admin.issued_headers(client)
    url = f"{admin.base}/users/{user_id}/sessions"
    assert len((await client.get(url, headers=headers)).json()["sessions"]) == 2
    assert (await client.delete(url, headers=headers)).status_code == 204
    for browser in browsers:
        assert await container.sessions.current(world.tenant, browser.cookie_value) is None
    events = await container.audit.search(
        EventQuery(tenant_id=world.tenant.id, types=[EventType.MANAGEMENT_SESSIONS_DELETED])
    )
    assert [(e.event.actor.id, e.event.details["sessions_ended"]) for e in events] == [
        (admin.client_id, 2)
    ]
    missing = await client.get(f"{admin.base}/users/auth0|nobody/sessions", headers=headers)
    assert missing.status_code == 404
