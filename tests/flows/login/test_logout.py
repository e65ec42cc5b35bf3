"""RP-initiated logout and Auth0's /v2/logout (SE-04)."""

from __future__ import annotations

from tests.flows.login.conftest import LOGOUT_URL, World, hidden_fields, query_of
from tests.outbox import refused_request, refusing_event
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery


async def test_se04_logout_ends_the_session(world: World) -> None:
    await world.full_login()
    old_cookie = world.session_cookie()
    page = await world.client.get(
        f"{world.base}/oidc/logout",
        params={
            "client_id": world.app.client_id,
            "post_logout_redirect_uri": LOGOUT_URL,
            "state": "bye",
        },
    )
    assert page.status_code == 200
    done = await world.client.post(f"{world.base}/oidc/logout", data=hidden_fields(page.text))
    assert done.status_code == 303
    assert done.headers["location"] == f"{LOGOUT_URL}?state=bye"
    assert world.session_cookie() is None
    # The old cookie, replayed, gets no SSO.
    name = world.container.cookies.session_name(world.tenant.name)
    assert old_cookie is not None
    world.client.cookies.set(name, old_cookie, domain="127.0.0.1")
    silent = await world.authorize(prompt="none")
    assert query_of(silent)["error"] == "login_required"


async def test_se04_bad_post_logout_redirect_uri_gets_no_redirect(world: World) -> None:
    await world.full_login()
    for uri in (LOGOUT_URL + "/", "https://evil.example/out", LOGOUT_URL + "?x=1"):
        response = await world.client.get(
            f"{world.base}/oidc/logout",
            params={"client_id": world.app.client_id, "post_logout_redirect_uri": uri},
        )
        assert response.status_code == 400
        assert "location" not in response.headers
    # A registered URI without client_id cannot be vouched for either.
    no_client = await world.client.get(
        f"{world.base}/oidc/logout", params={"post_logout_redirect_uri": LOGOUT_URL}
    )
    assert no_client.status_code == 400 and "location" not in no_client.headers


async def test_se04_tampered_confirmation_form_gets_no_redirect(world: World) -> None:
    await world.full_login()
    page = await world.client.get(
        f"{world.base}/oidc/logout",
        params={"client_id": world.app.client_id, "post_logout_redirect_uri": LOGOUT_URL},
    )
    fields = hidden_fields(page.text)
    fields["post_logout_redirect_uri"] = "https://evil.example/out"
    response = await world.client.post(f"{world.base}/oidc/logout", data=fields)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_se04_logout_without_redirect_shows_signed_out(world: World) -> None:
    await world.full_login()
    page = await world.client.get(f"{world.base}/oidc/logout")
    done = await world.client.post(f"{world.base}/oidc/logout", data=hidden_fields(page.text))
    assert done.status_code == 200
    assert "You are signed out" in done.text
    assert query_of(await world.authorize(prompt="none"))["error"] == "login_required"


async def test_se04_rp_post_without_token_gets_the_confirmation(world: World) -> None:
    await world.full_login()
    response = await world.client.post(
        f"{world.base}/oidc/logout",
        data={"client_id": world.app.client_id, "post_logout_redirect_uri": LOGOUT_URL},
        headers={"sec-fetch-site": "cross-site", "origin": "https://app.example.com"},
    )
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.text
    assert "code=" in (await world.authorize(prompt="none")).headers["location"]


async def test_auth0_v2_logout_return_to(world: World) -> None:
    await world.full_login()
    page = await world.client.get(
        f"{world.base}/v2/logout",
        params={"client_id": world.app.client_id, "returnTo": LOGOUT_URL},
    )
    assert page.status_code == 200
    done = await world.client.post(f"{world.base}/oidc/logout", data=hidden_fields(page.text))
    assert done.status_code == 303 and done.headers["location"] == LOGOUT_URL
    bad = await world.client.get(
        f"{world.base}/v2/logout",
        params={"client_id": world.app.client_id, "returnTo": "https://evil.example/"},
    )
    assert bad.status_code == 400 and "location" not in bad.headers


async def test_lg01_logout_event_commits_with_the_session_end(world: World) -> None:
    """Issue #6 outbox: `session.ended` is written in the transaction that ends the
    session, so an event that cannot be written leaves the session live (not ended
    unrecorded); without the refusal both the end and its event are kept."""
    await world.full_login()
    cookie = world.session_cookie()
    c, tenant = world.container, world.tenant
    page = await world.client.get(f"{world.base}/oidc/logout")
    assert page.status_code == 200
    async with refusing_event(c, tenant.id, str(EventType.SESSION_ENDED)):
        form = hidden_fields(page.text)
        refused = await refused_request(world.client.post(f"{world.base}/oidc/logout", data=form))
    assert refused is None or refused.status_code >= 400
    assert await c.sessions.current(tenant, cookie) is not None
    assert not await _ended_events(world)

    done = await world.client.post(f"{world.base}/oidc/logout", data=hidden_fields(page.text))
    assert done.status_code == 200
    assert await c.sessions.current(tenant, cookie) is None
    assert len(await _ended_events(world)) == 1


async def _ended_events(world: World) -> list[object]:
    query = EventQuery(tenant_id=world.tenant.id, limit=200)
    found = await world.container.audit.search(query)
    return [e for e in found if e.event.type is EventType.SESSION_ENDED]
