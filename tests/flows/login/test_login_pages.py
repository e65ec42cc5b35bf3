"""Pages: escaping (IV-03), headers (IV-05/06), no enumeration (BF-03), return_to (IV-07)."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.login.conftest import World, make_world
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.login.results import WRONG_CREDENTIALS


async def test_iv03_client_name_is_escaped(
    container: Container, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    evil = await make_world(container, client, clock, app_name="<svg onload=alert(1)>")
    page = await evil.authorize()
    assert page.status_code == 200
    assert "<svg" not in page.text
    assert "&lt;svg onload=alert(1)&gt;" in page.text


async def test_iv03_login_hint_is_escaped(world: World) -> None:
    page = await world.authorize(login_hint='"><script>alert(1)</script>')
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text or "&#34;&gt;&lt;script&gt;" in page.text


def _check_page_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_iv05_header_table_across_pages(world: World) -> None:
    pages = {
        "sign-in": await world.authorize(),
        "error": await world.authorize(client_id="unknown"),
        "login direct": await world.client.get(f"{world.base}/login"),
        "logout": await world.client.get(f"{world.base}/oidc/logout"),
        "v2 logout": await world.client.get(f"{world.base}/v2/logout"),
        "form_post": await world.full_login(response_mode="form_post"),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 400), name
        _check_page_headers(response)


async def test_iv06_redirects_are_not_cached(world: World) -> None:
    response = await world.full_login()
    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    error = await world.authorize(prompt="none")
    assert error.headers["cache-control"] == "no-store"


async def test_bf03_unknown_user_and_wrong_password_look_the_same(world: World) -> None:
    page = await world.authorize()
    password = "not the password at all"
    wrong = await world.sign_in(page, email=world.email, password=password)
    unknown = await world.sign_in(page, email="nobody@example.com", password=password)
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG_CREDENTIALS in wrong.text
    # Byte-identical bodies apart from the email the user typed, which is echoed back.
    assert wrong.text.replace(world.email, "X") == unknown.text.replace("nobody@example.com", "X")
    assert world.session_cookie() is None


async def test_bf03_blocked_user_gets_the_same_answer(world: World) -> None:
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None
    await world.container.users.set_blocked(world.tenant, user.user_id, True, by=ChangedBy.cli())
    page = await world.authorize()
    response = await world.sign_in(page)
    assert response.status_code == 400
    assert WRONG_CREDENTIALS in response.text


@pytest.mark.parametrize(
    "return_to",
    [
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
        "https://evil.example/",
        "/t/other-tenant/account",
    ],
)
async def test_iv07_return_to_only_local(world: World, return_to: str) -> None:
    page = await world.client.get(f"{world.base}/login", params={"return_to": return_to})
    assert 'name="return_to"' not in page.text
    fields = {
        "csrf_token": page.text.split('name="csrf_token" value="')[1].split('"')[0],
        "email": world.email,
        "password": "correct horse battery staple",
        "return_to": return_to,
    }
    response = await world.client.post(f"{world.base}/login", data=fields)
    assert response.status_code == 200
    assert "location" not in response.headers
    assert "You are signed in" in response.text


async def test_iv07_local_return_to_is_followed(world: World) -> None:
    target = f"{world.base}/account?tab=security"
    page = await world.client.get(f"{world.base}/login", params={"return_to": target})
    fields = {
        "csrf_token": page.text.split('name="csrf_token" value="')[1].split('"')[0],
        "email": world.email,
        "password": "correct horse battery staple",
        "return_to": target,
    }
    response = await world.client.post(f"{world.base}/login", data=fields)
    assert response.status_code == 303
    assert response.headers["location"] == target
