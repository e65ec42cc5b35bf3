"""CSRF defences on the sign-in and logout forms (IV-04)."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.login.conftest import PASSWORD, World, hidden_fields


async def _filled_form(world: World) -> dict[str, str]:
    page = await world.authorize()
    fields = hidden_fields(page.text)
    fields.update(email=world.email, password=PASSWORD)
    return fields


async def test_iv04_cross_site_post_without_token_is_403(world: World) -> None:
    fields = await _filled_form(world)
    del fields["csrf_token"]
    response = await world.client.post(
        f"{world.base}/login",
        data=fields,
        headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    )
    assert response.status_code == 403
    assert "location" not in response.headers
    assert world.session_cookie() is None


async def test_iv04_missing_token_is_403_even_without_fetch_metadata(world: World) -> None:
    fields = await _filled_form(world)
    del fields["csrf_token"]
    response = await world.client.post(f"{world.base}/login", data=fields)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"origin": "https://evil.example"},
        {"origin": "null"},
    ],
)
async def test_iv04_foreign_origin_with_valid_token_is_403(
    world: World, headers: dict[str, str]
) -> None:
    fields = await _filled_form(world)
    response = await world.client.post(f"{world.base}/login", data=fields, headers=headers)
    assert response.status_code == 403


async def test_iv04_same_origin_browser_post_passes(world: World) -> None:
    fields = await _filled_form(world)
    response = await world.client.post(
        f"{world.base}/login",
        data=fields,
        headers={"origin": "http://127.0.0.1:8000", "sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 303


async def test_iv04_token_from_another_browser_is_403(world: World) -> None:
    fields = await _filled_form(world)
    transport = world.client._transport  # the same app, a second cookie jar
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as other:
        await other.get(f"{world.base}/login")  # its own binding cookie
        response = await other.post(f"{world.base}/login", data=fields)
    assert response.status_code == 403


async def test_iv04_get_logout_only_shows_a_confirmation(world: World) -> None:
    await world.full_login()
    page = await world.client.get(f"{world.base}/oidc/logout")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    # Still signed in: GET changed nothing.
    assert (await world.authorize(prompt="none")).status_code == 303
    assert "code=" in (await world.authorize(prompt="none")).headers["location"]


async def test_iv04_logout_post_with_a_bad_token_is_403(world: World) -> None:
    await world.full_login()
    response = await world.client.post(f"{world.base}/oidc/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert "code=" in (await world.authorize(prompt="none")).headers["location"]
