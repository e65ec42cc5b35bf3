"""OA-08: RP-initiated logout revokes the refresh tokens of the session it ends, in the
transaction that ends it (AV-06); the user's other sessions keep theirs."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from tests.flows.login.conftest import LOGOUT_URL, World, hidden_fields, query_of
from tests.outbox import refused_request, refusing_event
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.web.app import create_app

SCOPE = "openid offline_access"


async def _refresh(world: World, token: str) -> httpx.Response:
    return await world.client.post(
        f"{world.base}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=(world.app.client_id, world.secret),
    )


async def _active(world: World, token: str) -> bool:
    response = await world.client.post(
        f"{world.base}/oauth/introspect",
        data={"token": token},
        auth=(world.app.client_id, world.secret),
    )
    assert response.status_code == 200, response.text
    active: bool = response.json()["active"]
    return active


async def _sso_tokens(world: World) -> dict[str, Any]:
    """A second grant from the same session: /authorize answers at once (SSO)."""
    redirect = await world.authorize(scope=SCOPE, state="again")
    assert redirect.status_code in (302, 303), redirect.text
    response = await world.redeem(query_of(redirect)["code"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _log_out(world: World, id_token: str) -> httpx.Response:
    """RP-initiated logout with id_token_hint, confirmed on tier0's page."""
    page = await world.client.get(
        f"{world.base}/oidc/logout",
        params={"id_token_hint": id_token, "post_logout_redirect_uri": LOGOUT_URL},
    )
    assert page.status_code == 200, page.text
    return await world.client.post(f"{world.base}/oidc/logout", data=hidden_fields(page.text))


async def _events(world: World, event_type: EventType) -> list[Any]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [e.event for e in found if e.event.type is event_type]


def _other_browser(world: World, client: httpx.AsyncClient) -> World:
    return dataclasses.replace(world, client=client)


async def test_oa08_logout_revokes_the_sessions_refresh_tokens(world: World) -> None:
    transport = httpx.ASGITransport(app=create_app(world.container))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as b:
        elsewhere = _other_browser(world, b)
        kept = await elsewhere.signed_in_tokens(SCOPE)  # the same user on another device
        first = await world.signed_in_tokens(SCOPE)
        second = await _sso_tokens(world)  # a second family of the same session
        assert await _active(world, first["refresh_token"])

        done = await _log_out(world, first["id_token"])
        assert done.status_code == 303 and done.headers["location"] == LOGOUT_URL

        for tokens in (first, second):
            refused = await _refresh(world, tokens["refresh_token"])
            assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
            assert not await _active(world, tokens["refresh_token"])
            assert not await _active(world, tokens["access_token"])
        # The other device's session and tokens are untouched.
        assert await _active(world, kept["refresh_token"])
        assert await _active(world, kept["access_token"])
        refreshed = await _refresh(elsewhere, kept["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        assert "code" in query_of(await elsewhere.authorize(prompt="none"))

    revoked = await _events(world, EventType.REFRESH_TOKEN_REVOKED)
    assert len(revoked) == 2
    assert all(e.details["reason"] == "logout" for e in revoked)
    assert all(e.client_id == world.app.client_id for e in revoked)
    assert len(await _events(world, EventType.SESSION_ENDED)) == 1


async def test_oa08_logout_revocation_commits_with_the_session_end(world: World) -> None:
    """AV-06: the revocations commit with the session's end or not at all; the redirect is
    sent only after. A revocation event that cannot be written keeps the session and its
    refresh token live (nothing half-done), and the retry revokes both."""
    tokens = await world.signed_in_tokens(SCOPE)
    page = await world.client.get(
        f"{world.base}/oidc/logout", params={"id_token_hint": tokens["id_token"]}
    )
    assert page.status_code == 200, page.text
    c, tenant = world.container, world.tenant
    async with refusing_event(c, tenant.id, str(EventType.REFRESH_TOKEN_REVOKED)):
        form = hidden_fields(page.text)
        refused = await refused_request(world.client.post(f"{world.base}/oidc/logout", data=form))
    assert refused is None or refused.status_code >= 400
    assert await c.sessions.current(tenant, world.session_cookie()) is not None
    assert await _active(world, tokens["refresh_token"])
    assert not await _events(world, EventType.SESSION_ENDED)

    done = await world.client.post(f"{world.base}/oidc/logout", data=hidden_fields(page.text))
    assert done.status_code == 200
    assert not await _active(world, tokens["refresh_token"])
    assert len(await _events(world, EventType.REFRESH_TOKEN_REVOKED)) == 1


async def test_oa08_logout_without_a_session_revokes_nothing(world: World) -> None:
    """The refresh token of a session already ended elsewhere is not touched by a logout
    in a browser that has no session: only the session the cookie names is ended."""
    tokens = await world.signed_in_tokens(SCOPE)
    transport = httpx.ASGITransport(app=create_app(world.container))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as b:
        stranger = _other_browser(world, b)
        done = await _log_out(stranger, tokens["id_token"])
        assert done.status_code == 303
    assert await _active(world, tokens["refresh_token"])
    assert (await _refresh(world, tokens["refresh_token"])).status_code == 200
