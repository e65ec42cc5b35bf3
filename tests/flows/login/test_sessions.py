"""Sessions: cookie attributes, fixation, SSO, prompt handling, timeouts (SE-01..SE-03)."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

from tests.flows.login.conftest import World, query_of
from tier0.audit.changes import ChangedBy


def _set_cookies(response: object) -> dict[str, str]:
    """Raw Set-Cookie header values by cookie name."""
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]  # httpx.Response
    found: dict[str, str] = {}
    for header in headers:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        for name in parsed:
            found[name] = header
    return found


def _attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


async def test_se01_session_cookie_attributes_over_https(https_world: World) -> None:
    response = await https_world.full_login()
    assert response.status_code == 303
    name = f"__Host-tier0_session_{https_world.tenant.name}"
    header = _set_cookies(response)[name]
    attributes = _attributes(header)
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "path=/;" in header.lower().replace(" ", "") + ";"
    assert "samesite=lax" in header.lower()


async def test_se01_dev_http_cookie_has_no_host_prefix(world: World) -> None:
    response = await world.full_login()
    name = f"tier0_session_{world.tenant.name}"
    header = _set_cookies(response)[name]
    attributes = _attributes(header)
    assert {"httponly", "path", "samesite"} <= attributes
    assert "secure" not in attributes


async def test_se02_planted_cookie_is_replaced_and_dead(world: World) -> None:
    # The attacker signs in and plants their own session id in the victim's browser.
    await world.full_login()
    attacker_value = world.session_cookie()
    assert attacker_value is not None
    name = world.container.cookies.session_name(world.tenant.name)
    world.client.cookies.clear()
    world.client.cookies.set(name, attacker_value, domain="127.0.0.1")
    # The victim is asked to sign in again (prompt=login) and does.
    response = await world.full_login(prompt="login")
    assert response.status_code == 303
    victim_value = world.session_cookie()
    assert victim_value is not None and victim_value != attacker_value
    assert len(victim_value) >= 43  # 256 bits, base64url
    # The planted id no longer signs anyone in.
    world.client.cookies.clear()
    world.client.cookies.set(name, attacker_value, domain="127.0.0.1")
    silent = await world.authorize(prompt="none")
    assert query_of(silent)["error"] == "login_required"


async def test_se02_random_planted_value_never_becomes_a_session(world: World) -> None:
    name = world.container.cookies.session_name(world.tenant.name)
    world.client.cookies.set(name, "planted-by-attacker-0123456789abcdef", domain="127.0.0.1")
    await world.full_login()
    assert world.session_cookie() != "planted-by-attacker-0123456789abcdef"


async def test_sso_second_authorize_skips_the_form(world: World) -> None:
    await world.full_login()
    again = await world.authorize(state="second")
    assert again.status_code == 303
    params = query_of(again)
    assert params["state"] == "second" and "code" in params


async def test_prompt_none_without_session_is_login_required(world: World) -> None:
    response = await world.authorize(prompt="none")
    assert response.status_code == 303
    params = query_of(response)
    assert params["error"] == "login_required"
    assert params["iss"] == world.container.settings.tenant_base_url(world.tenant.name)
    assert params["state"] == "state-123"


async def test_prompt_login_and_max_age_force_the_form(world: World) -> None:
    await world.full_login()
    forced = await world.authorize(prompt="login")
    assert forced.status_code == 200 and 'name="password"' in forced.text
    world.clock.advance(timedelta(minutes=5))
    aged = await world.authorize(max_age="60")
    assert aged.status_code == 200 and 'name="password"' in aged.text
    fresh_enough = await world.authorize(max_age="3600")
    assert fresh_enough.status_code == 303


async def test_se03_idle_timeout_61_minutes(world: World) -> None:
    await world.full_login()
    world.clock.advance(timedelta(minutes=59))
    assert "code" in query_of(await world.authorize(prompt="none"))  # activity renews it
    world.clock.advance(timedelta(minutes=61))
    assert query_of(await world.authorize(prompt="none"))["error"] == "login_required"


async def test_se03_absolute_timeout_24_hours(world: World) -> None:
    await world.full_login()
    for _ in range(28):  # active every 50 minutes: never idle, 23 h 20 min in all
        world.clock.advance(timedelta(minutes=50))
        assert "code" in query_of(await world.authorize(prompt="none"))
    world.clock.advance(timedelta(minutes=41))  # 24 h 1 min after sign-in
    assert query_of(await world.authorize(prompt="none"))["error"] == "login_required"


async def test_blocked_user_loses_sso(world: World) -> None:
    await world.full_login()
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None
    await world.container.users.set_blocked(world.tenant, user.user_id, True, by=ChangedBy.cli())
    assert query_of(await world.authorize(prompt="none"))["error"] == "login_required"
    await world.container.users.set_blocked(world.tenant, user.user_id, False, by=ChangedBy.cli())
    # The session was ended, not merely skipped.
    assert query_of(await world.authorize(prompt="none"))["error"] == "login_required"
