"""Brute-force protection and sign-in events at the login form (BF-01, BF-03)."""

from __future__ import annotations

from tests.flows.login.conftest import World, hidden_fields
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery


async def _types(world: World) -> list[EventType]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=100))
    return [event.event.type for event in found]


async def test_bf01_blocked_after_ten_failures_even_with_the_right_password(world: World) -> None:
    page = await world.authorize()
    for _ in range(10):
        wrong = await world.sign_in(page, password="definitely not it")
        assert wrong.status_code == 400
        world.clock.advance(20)  # past the progressive account throttle (at most 16 s here)
    refused = await world.sign_in(page)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text
    assert world.session_cookie() is None
    assert EventType.BRUTE_FORCE_BLOCKED in await _types(world)


async def test_quick_failures_meet_the_account_throttle(world: World) -> None:
    page = await world.authorize()
    statuses = [
        (await world.sign_in(page, password="definitely not it")).status_code for _ in range(7)
    ]
    assert statuses[:5] == [400] * 5
    assert 429 in statuses[5:]
    world.clock.advance(120)
    assert (await world.sign_in(page)).status_code == 303


async def test_bf03_events_tell_what_the_page_does_not(world: World) -> None:
    page = await world.authorize()
    await world.sign_in(page, email="nobody@example.com", password="whatever12")
    await world.sign_in(page, password="wrong password here")
    await world.sign_in(page)
    kinds = await _types(world)
    assert EventType.USER_LOGIN_USER_UNKNOWN in kinds
    assert EventType.USER_LOGIN_PASSWORD_INCORRECT in kinds
    assert EventType.USER_LOGIN_SUCCEEDED in kinds
    assert EventType.AUTHORIZATION_CODE_ISSUED in kinds


async def test_logout_is_an_event(world: World) -> None:
    await world.full_login()
    page = await world.client.get(f"{world.base}/oidc/logout")
    await world.client.post(f"{world.base}/oidc/logout", data=hidden_fields(page.text))
    assert EventType.SESSION_ENDED in await _types(world)


async def test_silent_authentication_is_an_event(world: World) -> None:
    await world.authorize(prompt="none")  # no session: fails
    await world.full_login()
    await world.authorize(prompt="none")  # answered from the session
    kinds = await _types(world)
    assert EventType.USER_SILENT_AUTH_FAILED in kinds
    assert EventType.USER_SILENT_AUTH_SUCCEEDED in kinds
