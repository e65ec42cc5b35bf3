"""Rate limits on the login UI (AV-01, BF-01, BF-02): the per-user MFA limit on the real
second-factor POST, the edge's 429 as the login UI's page rather than OAuth JSON, and
`Retry-After` on the sign-in page's own 429."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.flows.login.conftest import World, hidden_fields
from tests.flows.login.test_second_factor import _enroll, _password_step, _submit_code
from tier0.audit.changes import ChangedBy
from tier0.protection.documents import RateLimitsUpdate, SuspiciousIpThrottlingUpdate

WRONG = "not the password at all"


async def _limit(world: World, limits: dict[str, Any]) -> None:
    """The tenant's own rate-limit overrides, as `PATCH /attack-protection/rate-limits`."""
    change = RateLimitsUpdate.model_validate({"limits": limits})
    await world.container.protection_policies.update(
        world.tenant, "rate-limits", change, by=ChangedBy.cli()
    )


def assert_login_ui_429(response: httpx.Response, *, limit: str | None = None) -> None:
    """The login UI's friendly 429: a page with its security headers, never OAuth JSON."""
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("text/html")
    assert int(response.headers["retry-after"]) >= 1
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "<script" not in response.text and "<style" not in response.text
    assert not re.search(r"\son[a-z]+=", response.text)  # no inline event handlers
    assert "too_many_requests" not in response.text
    assert "Too many attempts" in response.text
    if limit is not None:
        assert response.headers["x-ratelimit-limit"] == limit
        assert response.headers["x-ratelimit-remaining"] == "0"


@pytest.mark.parametrize(
    ("endpoint", "method", "path"),
    [
        ("login", "POST", "/login"),
        ("signup", "POST", "/u/signup"),
        ("reset", "POST", "/u/reset-password"),
        ("mfa", "POST", "/mfa"),
        ("authorize", "GET", "/authorize"),
        ("reset", "POST", "/account/password"),
        ("mfa", "POST", "/account/mfa"),
        ("reset", "POST", "/u/unblock"),
    ],
)
async def test_av01_the_edges_429_on_browser_forms_is_the_login_page(
    world: World, endpoint: str, method: str, path: str
) -> None:
    await _limit(world, {endpoint: {"ip": "1/minute"}})
    url = world.base + path
    first = await world.client.request(method, url, data={} if method == "POST" else None)
    assert first.status_code != 429
    refused = await world.client.request(method, url, data={} if method == "POST" else None)
    assert_login_ui_429(refused, limit="1")
    assert refused.headers["retry-after"] == "60"
    assert "1 minute" in refused.text


async def test_av01_the_oauth_surfaces_keep_their_json_429(world: World) -> None:
    await _limit(world, {"token": {"ip": "1/minute"}})
    await world.client.post(f"{world.base}/oauth/token")
    refused = await world.client.post(f"{world.base}/oauth/token")
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"


async def test_av01_mfa_post_counts_the_user_scope(world: World) -> None:
    await _enroll(world)
    await _limit(world, {"mfa": {"user": "2/minute"}})
    asked = await _password_step(world)
    for _ in range(2):
        wrong = await _submit_code(world, asked, "000000")
        assert wrong.status_code == 400 and "not valid" in wrong.text
    refused = await _submit_code(world, asked, "000000")
    assert_login_ui_429(refused, limit="2")
    assert world.session_cookie() is None


async def test_bf01_the_sign_in_pages_429_says_how_long_to_wait(world: World) -> None:
    page = await world.authorize()
    for _ in range(10):
        await world.sign_in(page, password=WRONG)
        world.clock.advance(20)  # past the progressive account throttle
    refused = await world.sign_in(page)  # this IP is now blocked for the account: 30 days
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text
    assert 29 * 86_400 < int(refused.headers["retry-after"]) <= 30 * 86_400


async def test_bf02_a_throttled_ip_is_told_when_to_come_back(world: World) -> None:
    """Both sign-in pages: the one an application asked for and the plain one."""
    two = SuspiciousIpThrottlingUpdate.model_validate({"stage": {"pre-login": {"max_attempts": 2}}})
    await world.container.protection_policies.update(
        world.tenant, "suspicious-ip-throttling", two, by=ChangedBy.cli()
    )
    page = await world.authorize()
    for i in range(2):
        await world.sign_in(page, email=f"someone{i}@example.com", password=WRONG)
    refused = await world.sign_in(page)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "864"  # one attempt back every 864,000 ms
    plain = await world.client.get(f"{world.base}/login")
    fields = hidden_fields(plain.text) | {"email": world.email, "password": "x" * 12}
    direct = await world.client.post(f"{world.base}/login", data=fields)
    assert direct.status_code == 429
    assert direct.headers["retry-after"] == "864"
    assert "Too many attempts" in direct.text
