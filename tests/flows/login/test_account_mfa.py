"""Self-service TOTP enrollment at /t/{tenant}/account/mfa (issue 10): fresh authentication
for factor changes (MF-04), CSRF (IV-04), no-store pages, and the seed kept out of logs."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from structlog.testing import capture_logs

from tests.flows.login.conftest import PASSWORD, World, hidden_fields
from tier0.mfa import totp

_SEED = re.compile(r'<code id="seed">([A-Z2-7]+)</code>')


def _page(world: World) -> str:
    return f"{world.base}/account/mfa"


async def _sign_in_direct(world: World, *, return_to: str | None = None) -> httpx.Response:
    """A sign-in on the bare login page (no application), as the account page asks for."""
    params = {"return_to": return_to} if return_to else {}
    form = await world.client.get(f"{world.base}/login", params=params)
    fields = hidden_fields(form.text)
    fields.update(email=world.email, password=PASSWORD)
    return await world.client.post(f"{world.base}/login", data=fields)


async def _post(world: World, shown: httpx.Response, **fields: str) -> httpx.Response:
    data = {"csrf_token": hidden_fields(shown.text)["csrf_token"], **fields}
    return await world.client.post(_page(world), data=data)


async def _enroll_over_http(world: World) -> tuple[str, httpx.Response]:
    """Sign in, start and confirm an enrollment; the seed as read from the page, and the
    page with the recovery codes."""
    signed_in = await _sign_in_direct(world, return_to=_page(world))
    assert signed_in.status_code == 303 and signed_in.headers["location"] == _page(world)
    overview = await world.client.get(_page(world))
    assert overview.status_code == 200 and "Set up authenticator app" in overview.text
    started = await _post(world, overview, action="start")
    assert started.status_code == 200, started.text
    found = _SEED.search(started.text)
    assert found is not None and "<svg" in started.text
    seed = found.group(1)
    code = totp.code_at_step(seed, totp.step_at(world.clock.now()))
    confirm = hidden_fields(started.text)
    assert confirm["action"] == "confirm" and confirm["factor_id"].startswith("mfa_")
    done = await world.client.post(_page(world), data={**confirm, "code": code})
    world.clock.advance(timedelta(seconds=30))
    return seed, done


async def test_mf04_enrollment_makes_next_sign_in_ask_for_code(world: World) -> None:
    seed, done = await _enroll_over_http(world)
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert done.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in done.headers["content-security-policy"]
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None
    assert await world.container.mfa.enrolled(world.tenant, user.user_id)
    # The seed is not shown again once confirmed.
    again = await world.client.get(_page(world))
    assert seed not in again.text and "Authenticator app" in again.text
    # A new browser: the password alone now leads to the code page, never to a code.
    world.client.cookies.clear()
    asked = await world.full_login()
    assert asked.status_code == 200 and "Verify it" in asked.text
    assert "location" not in asked.headers


async def test_mf04_stale_session_is_sent_to_sign_in_again(world: World) -> None:
    await _sign_in_direct(world)
    fresh = await world.client.get(_page(world))
    assert fresh.status_code == 200
    world.clock.advance(timedelta(minutes=6))
    stale = await world.client.get(_page(world))
    assert stale.status_code == 303
    assert stale.headers["location"] == f"{world.base}/login?return_to={_page(world)}"
    posted = await _post(world, fresh, action="start")
    assert posted.status_code == 303 and "seed" not in posted.text
    # Signing in again (password) makes the page usable, and return_to brings the user back.
    back = await _sign_in_direct(world, return_to=_page(world))
    assert back.headers["location"] == _page(world)
    assert (await world.client.get(_page(world))).status_code == 200


async def test_mf04_no_session_is_sent_to_sign_in(world: World) -> None:
    response = await world.client.get(_page(world))
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{world.base}/login?return_to=")


async def test_iv04_cross_site_enrollment_post_is_403(world: World) -> None:
    await _sign_in_direct(world)
    overview = await world.client.get(_page(world))
    token = hidden_fields(overview.text)["csrf_token"]
    cross = await world.client.post(
        _page(world),
        data={"csrf_token": token, "action": "start"},
        headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    )
    assert cross.status_code == 403 and "<svg" not in cross.text
    forged = await world.client.post(_page(world), data={"action": "reset"})
    assert forged.status_code == 403
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None
    assert list(await world.container.mfa.factors(world.tenant, user.user_id)) == []


async def test_mf02_seed_never_in_logs(world: World) -> None:
    with capture_logs() as logs:
        seed, done = await _enroll_over_http(world)
    assert done.status_code == 200
    assert logs  # requests were logged, just not the seed
    assert seed not in repr(logs)


async def test_mf04_reset_removes_factors_and_wrong_code_is_refused(world: World) -> None:
    await _sign_in_direct(world)
    overview = await world.client.get(_page(world))
    started = await _post(world, overview, action="start")
    wrong = await world.client.post(
        _page(world), data={**hidden_fields(started.text), "code": "000000"}
    )
    assert wrong.status_code == 400 and "not valid" in wrong.text
    assert _SEED.search(wrong.text) is None  # the seed is shown only once
    seed = _SEED.search(started.text)
    assert seed is not None
    code = totp.code_at_step(seed.group(1), totp.step_at(world.clock.now()))
    done = await world.client.post(_page(world), data={**hidden_fields(wrong.text), "code": code})
    assert done.status_code == 200
    listed = await world.client.get(_page(world))
    assert "Remove all factors" in listed.text
    second = await _post(world, listed, action="start")
    assert second.status_code == 409  # one authenticator app at a time
    removed = await _post(world, listed, action="reset")
    assert removed.status_code == 200 and "were removed" in removed.text
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None
    assert not await world.container.mfa.enrolled(world.tenant, user.user_id)
