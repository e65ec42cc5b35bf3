"""OA-08: refresh tokens are "revoked on password change/logout" (the logout half is in
tests/flows/login/test_logout_revocation.py). A self-service change revokes every refresh
token of the user, the changing browser's own included: introspection reports them
inactive and a refresh gets ``invalid_grant``."""

from __future__ import annotations

from typing import Any

import httpx

from tests.flows.accounts.conftest import MailWorld, hidden_fields
from tests.flows.login.conftest import PASSWORD

NEW_PASSWORD = "a kettle singing on the cold stove"


async def _post(world: MailWorld, path: str, form: dict[str, str]) -> httpx.Response:
    return await world.client.post(
        f"{world.base}{path}", data=form, auth=(world.app.client_id, world.secret)
    )


async def test_oa08_password_change_revokes_refresh_tokens(mail_world: MailWorld) -> None:
    tokens: dict[str, Any] = await mail_world.signed_in_tokens("openid offline_access")
    refresh = tokens["refresh_token"]
    before = await _post(mail_world, "/oauth/introspect", {"token": refresh})
    assert before.json()["active"] is True

    page = f"{mail_world.base}/account/password"
    shown = await mail_world.client.get(page)
    assert shown.status_code == 200, shown.text
    form = {**hidden_fields(shown.text), "current_password": PASSWORD, "password": NEW_PASSWORD}
    changed = await mail_world.client.post(page, data=form)
    assert changed.status_code == 200, changed.text

    after = await _post(mail_world, "/oauth/introspect", {"token": refresh})
    assert after.json() == {"active": False}
    refused = await _post(
        mail_world, "/oauth/token", {"grant_type": "refresh_token", "refresh_token": refresh}
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
