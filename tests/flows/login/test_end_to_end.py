"""The whole browser flow: authorize, sign in, redeem the code, log out with the ID token."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from tests.flows.login.conftest import (
    LOGOUT_URL,
    World,
    hidden_fields,
    query_of,
)


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


async def _redeem(world: World, code: str, **extra: str) -> httpx.Response:
    return await world.redeem(code, **extra)


async def test_issued_code_redeems_once_at_the_token_endpoint(world: World) -> None:
    nonce = "n" * 64
    params = query_of(await world.full_login(nonce=nonce))
    first = await _redeem(world, params["code"])
    assert first.status_code == 200, first.text
    body = first.json()
    id_claims = _claims(body["id_token"])
    assert id_claims["nonce"] == nonce
    assert id_claims["aud"] == world.app.client_id
    assert id_claims["iss"] == world.container.settings.tenant_base_url(world.tenant.name)
    assert id_claims["amr"] == ["pwd"]
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None and id_claims["sub"] == user.user_id
    again = await _redeem(world, params["code"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_sso_code_carries_the_same_session(world: World) -> None:
    first = query_of(await world.full_login())
    second = query_of(await world.authorize(state="again"))
    sid_1 = _claims((await _redeem(world, first["code"])).json()["id_token"])["sid"]
    sid_2 = _claims((await _redeem(world, second["code"])).json()["id_token"])["sid"]
    assert sid_1 == sid_2


async def test_wrong_verifier_is_refused(world: World) -> None:
    params = query_of(await world.full_login())
    response = await _redeem(world, params["code"], code_verifier="w" * 43)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_se04_logout_with_id_token_hint(world: World) -> None:
    params = query_of(await world.full_login())
    id_token = (await _redeem(world, params["code"])).json()["id_token"]
    page = await world.client.get(
        f"{world.base}/oidc/logout",
        params={"id_token_hint": id_token, "post_logout_redirect_uri": LOGOUT_URL, "state": "s1"},
    )
    assert page.status_code == 200
    fields = hidden_fields(page.text)
    assert fields["client_id"] == world.app.client_id
    done = await world.client.post(f"{world.base}/oidc/logout", data=fields)
    assert done.status_code == 303
    assert done.headers["location"] == f"{LOGOUT_URL}?state=s1"
    assert query_of(await world.authorize(prompt="none"))["error"] == "login_required"


async def test_se04_forged_id_token_hint_gets_no_redirect(world: World) -> None:
    params = query_of(await world.full_login())
    id_token = (await _redeem(world, params["code"])).json()["id_token"]
    header, payload, signature = id_token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = await world.client.get(
        f"{world.base}/oidc/logout",
        params={"id_token_hint": forged, "post_logout_redirect_uri": LOGOUT_URL},
    )
    assert response.status_code == 400 and "location" not in response.headers
    other_client = await world.client.get(
        f"{world.base}/oidc/logout",
        params={"id_token_hint": id_token, "client_id": "someone-else"},
    )
    assert other_client.status_code == 400 and "location" not in other_client.headers
