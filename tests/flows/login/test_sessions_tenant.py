"""SE-03 per tenant: a tenant's own idle and absolute timeouts decide, at every check, whether
its sign-in sessions are alive; the deployment's settings are the defaults."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

from tests.flows.login.conftest import World, query_of
from tier0.audit.changes import ChangedBy
from tier0.services.tenant_settings import TenantSettingsChange


async def _set(
    world: World,
    *,
    idle_session_lifetime: float | None = None,
    session_lifetime: float | None = None,
) -> None:
    change = TenantSettingsChange(
        idle_session_lifetime=idle_session_lifetime, session_lifetime=session_lifetime
    )
    world.tenant = await world.container.tenant_settings.update(
        world.tenant, change, by=ChangedBy.cli()
    )


async def _silent(world: World) -> dict[str, str]:
    return query_of(await world.authorize(prompt="none"))


async def test_se03_tenant_idle_timeout_ends_the_session(world: World) -> None:
    await _set(world, idle_session_lifetime=0.5)
    await world.full_login()
    world.clock.advance(timedelta(minutes=29))
    assert "code" in await _silent(world)  # activity renews it
    world.clock.advance(timedelta(minutes=31))  # well inside the deployment's 1 hour
    assert (await _silent(world))["error"] == "login_required"


async def test_se03_tenant_absolute_timeout_ends_an_active_session(world: World) -> None:
    await _set(world, session_lifetime=2)
    await world.full_login()
    for _ in range(4):  # active every 25 minutes: never idle, 1 h 40 min in all
        world.clock.advance(timedelta(minutes=25))
        assert "code" in await _silent(world)
    world.clock.advance(timedelta(minutes=21))  # 2 h 1 min after sign-in
    assert (await _silent(world))["error"] == "login_required"


async def test_se03_a_shorter_idle_timeout_applies_to_live_sessions(world: World) -> None:
    """The session was given a 1-hour idle deadline at sign-in; the tenant's new 15 minutes
    applies at the very next check, not only to sessions started afterwards."""
    await world.full_login()
    await _set(world, idle_session_lifetime=0.25)
    world.clock.advance(timedelta(minutes=16))
    assert (await _silent(world))["error"] == "login_required"


async def test_se03_a_shorter_absolute_timeout_applies_to_live_sessions(world: World) -> None:
    await world.full_login()
    world.clock.advance(timedelta(minutes=50))
    assert "code" in await _silent(world)
    await _set(world, session_lifetime=1)
    world.clock.advance(timedelta(minutes=11))  # 61 minutes after sign-in, 11 idle
    assert (await _silent(world))["error"] == "login_required"


async def test_se03_longer_tenant_timeouts_keep_the_session(world: World) -> None:
    await _set(world, idle_session_lifetime=2, session_lifetime=24)
    await world.full_login()
    world.clock.advance(timedelta(minutes=90))  # past the deployment's 1 hour idle default
    assert "code" in await _silent(world)


async def test_se03_session_cookie_lives_as_long_as_the_tenant_allows(world: World) -> None:
    await _set(world, session_lifetime=8)
    response = await world.full_login()
    name = world.container.cookies.session_name(world.tenant.name)
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookie.load(header)
    assert cookie[name]["max-age"] == str(8 * 3600)


async def test_se03_se04_a_logout_hint_outlives_its_expiry_by_the_tenants_session_lifetime(
    world: World,
) -> None:
    """An expired id_token_hint still names the client of a logout for as long as a session
    could have lasted: the tenant's absolute lifetime (2 h here), not the deployment's 24 h."""
    await _set(world, session_lifetime=2)
    tokens = await world.signed_in_tokens("openid")
    hint = {"id_token_hint": tokens["id_token"]}
    lifetime = timedelta(seconds=world.container.settings.id_token_lifetime)
    world.clock.advance(lifetime + timedelta(hours=1))  # expired, within the 2 h
    assert (await world.client.get(f"{world.base}/oidc/logout", params=hint)).status_code == 200
    world.clock.advance(timedelta(hours=2))  # past them, well within the deployment's 24 h
    assert (await world.client.get(f"{world.base}/oidc/logout", params=hint)).status_code == 400
