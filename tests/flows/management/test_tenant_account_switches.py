"""``PATCH /api/v2/tenants/settings`` switches sign-up and required email verification."""

from __future__ import annotations

import httpx

from tests.flows.management.harness import Caller
from tier0.container import Container
from tier0.login.account_policy import signup_enabled, verification_required


async def test_tenant_settings_switch_signup_and_verification(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    url = f"{caller.base}/tenants/settings"
    current = (await client.get(url, headers=headers)).json()
    assert current["signup_enabled"] is False
    assert current["email_verification_required"] is False
    changed = await client.patch(
        url, headers=headers, json={"signup_enabled": True, "email_verification_required": True}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["signup_enabled"] is True
    assert changed.json()["friendly_name"] == current["friendly_name"]
    tenant = await container.tenants.get(caller.tenant.name)
    assert signup_enabled(tenant) and verification_required(tenant)
    off = await client.patch(url, headers=headers, json={"signup_enabled": False})
    assert off.json()["signup_enabled"] is False
    assert off.json()["email_verification_required"] is True
    bad = await client.patch(url, headers=headers, json={"signup_enabled": "yes please"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    page = await client.get(f"/t/{caller.tenant.name}/u/signup")
    assert page.status_code == 404
