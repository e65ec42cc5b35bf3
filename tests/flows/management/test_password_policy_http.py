"""POST/PATCH /users answer a refused password with 400 and the stable rejection code, so the
reason reaches the caller (PW-03, PW-05)."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.management.harness import Caller


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short-pw", "password_too_short"),
        ("password1234", "password_blocklisted"),
        ("grace-hopper-1906!", "password_contains_user_info"),
    ],
)
async def test_pw05_refused_password_is_a_400_with_its_code(
    client: httpx.AsyncClient, caller: Caller, password: str, code: str
) -> None:
    response = await client.post(
        f"{caller.base}/users",
        headers=caller.headers(),
        json={"email": "grace.hopper@example.com", "password": password, "name": "Grace Hopper"},
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == code
    assert password not in response.text
    listed = await client.get(f"{caller.base}/users", headers=caller.headers())
    assert listed.json() == [] or all(
        u["email"] != "grace.hopper@example.com" for u in listed.json()
    )


async def test_pw05_patch_password_applies_the_policy(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await client.post(
        f"{caller.base}/users",
        headers=caller.headers(),
        json={"email": "ada@example.com", "password": "Vq7#zLm2-pXr9!eWk"},
    )
    assert created.status_code == 201, created.text
    url = f"{caller.base}/users/{created.json()['user_id']}"
    refused = await client.patch(url, headers=caller.headers(), json={"password": "qwertyuiop123"})
    assert refused.status_code == 400 and refused.json()["errorCode"] == "password_blocklisted"
    accepted = await client.patch(
        url, headers=caller.headers(), json={"password": "Lk9$wQ2-zPv7!mRt"}
    )
    assert accepted.status_code == 200, accepted.text
