"""DP-04 (black box): a signed-in user downloads their own data from the account page; it
holds the seeded profile, the session and the consent, and no hash; without a session: 401."""

from __future__ import annotations

import httpx

from tests.unit.privacy.conftest import seed_user
from tier0.container import Container


async def test_dp04_signed_in_user_downloads_own_data(
    container: Container, client: httpx.AsyncClient
) -> None:
    seeded = await seed_user(container)
    tenant = seeded.tenant
    started = await container.sessions.start(tenant, seeded.user.user_id, amr=("pwd",))
    cookie = f"{container.cookies.session_name(tenant.name)}={started.cookie_value}"

    response = await client.get(f"/t/{tenant.name}/account/data", headers={"Cookie": cookie})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["profile"]["email"] == seeded.user.email
    assert data["profile"]["name"] == f"Name {seeded.marker}"
    assert len(data["sessions"]) == 2 and len(data["consents"]) == 1
    assert "password_hash" not in response.text and "$2b$" not in response.text

    anonymous = await client.get(f"/t/{tenant.name}/account/data")
    assert anonymous.status_code == 401 and seeded.marker not in anonymous.text
