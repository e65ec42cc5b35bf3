"""Self-service password change on the account pages (PW-06), and the administrators'
changes, over HTTP: the current password is required, other sessions and every refresh
token die with the old password, and nothing ever expires a password by age."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx

from tests.flows.accounts.conftest import MailWorld, hidden_fields
from tests.flows.login.conftest import CALLBACK, PASSWORD, VERIFIER, query_of
from tests.flows.management.harness import make_caller
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.protection.documents import SuspiciousIpThrottlingUpdate
from tier0.web.app import create_app

NEW_PASSWORD = "a kettle singing on the cold stove"


def _page(world: MailWorld) -> str:
    return f"/t/{world.tenant.name}/account/password"


async def _change(world: MailWorld, **fields: str) -> httpx.Response:
    shown = await world.client.get(_page(world))
    assert shown.status_code == 200, shown.text
    return await world.client.post(_page(world), data={**hidden_fields(shown.text), **fields})


async def _refresh_token(world: MailWorld) -> str:
    params = query_of(await world.full_login(scope="openid offline_access"))
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
    }
    tokens = await world.client.post(
        f"{world.base}/oauth/token", data=form, auth=(world.app.client_id, world.secret)
    )
    assert tokens.status_code == 200, tokens.text
    refresh: str = tokens.json()["refresh_token"]
    return refresh


async def _refresh(world: MailWorld, refresh: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh}
    return await world.client.post(
        f"{world.base}/oauth/token", data=form, auth=(world.app.client_id, world.secret)
    )


async def _types(world: MailWorld) -> list[EventType]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [e.event.type for e in found]


async def _signs_in_with(world: MailWorld, password: str) -> bool:
    page = await world.authorize(prompt="login")  # a fresh sign-in even with a session
    assert page.status_code == 200, page.text
    done = await world.sign_in(page, password=password)
    return done.status_code in (302, 303) and "code" in query_of(done)


async def test_pw06_change_without_current_password_is_400(mail_world: MailWorld) -> None:
    await mail_world.full_login()
    refused = await _change(mail_world, password=NEW_PASSWORD)
    assert refused.status_code == 400
    assert "current password" in refused.text.lower()
    assert await _signs_in_with(mail_world, PASSWORD)


async def test_pw06_wrong_current_password_is_400_and_changes_nothing(
    mail_world: MailWorld,
) -> None:
    await mail_world.full_login()
    refused = await _change(mail_world, current_password="not my password", password=NEW_PASSWORD)
    assert refused.status_code == 400
    assert "not correct" in refused.text
    types = await _types(mail_world)
    # The guess counts like a failed sign-in (brute-force protection) and is audited.
    assert EventType.USER_LOGIN_PASSWORD_INCORRECT in types
    assert EventType.USER_PASSWORD_CHANGE_FAILED in types
    assert EventType.USER_PASSWORD_CHANGED not in types
    assert not await _signs_in_with(mail_world, NEW_PASSWORD)
    assert await _signs_in_with(mail_world, PASSWORD)


async def test_bf02_a_throttled_change_says_how_long_to_wait(mail_world: MailWorld) -> None:
    """A wrong current password counts like a failed sign-in; the refusal it leads to
    carries the throttle's real wait (BF-02)."""
    one = SuspiciousIpThrottlingUpdate.model_validate({"stage": {"pre-login": {"max_attempts": 1}}})
    await mail_world.container.protection_policies.update(
        mail_world.tenant, "suspicious-ip-throttling", one, by=ChangedBy.cli()
    )
    await mail_world.full_login()
    wrong = await _change(mail_world, current_password="not my password", password=NEW_PASSWORD)
    assert wrong.status_code == 400
    refused = await _change(mail_world, current_password=PASSWORD, password=NEW_PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "864"


async def test_pw06_new_password_passes_the_policy(mail_world: MailWorld) -> None:
    await mail_world.full_login()
    refused = await _change(mail_world, current_password=PASSWORD, password="password1234")
    assert refused.status_code == 400
    assert await _signs_in_with(mail_world, PASSWORD)


async def test_pw06_change_revokes_other_sessions_and_refresh_tokens(
    mail_world: MailWorld,
) -> None:
    # Another browser signed in and holding a refresh token.
    transport = httpx.ASGITransport(app=create_app(mail_world.container))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as other:
        elsewhere = dataclasses.replace(mail_world, client=other)
        refresh = await _refresh_token(elsewhere)
        await mail_world.full_login()
        done = await _change(mail_world, current_password=PASSWORD, password=NEW_PASSWORD)
        assert done.status_code == 200, done.text
        refused = await _refresh(mail_world, refresh)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
        # The other browser's session ended; this one's stays.
        assert query_of(await elsewhere.authorize(prompt="none"))["error"] == "login_required"
        assert "code" in query_of(await mail_world.authorize(prompt="none"))
    assert EventType.USER_PASSWORD_CHANGED in await _types(mail_world)
    mails = await mail_world.mails_to(mail_world.email, 1)
    assert any("changed" in str(m["Subject"]) for m in mails), "a password-changed mail"
    assert await _signs_in_with(mail_world, NEW_PASSWORD)


async def test_pw06_no_periodic_expiry(mail_world: MailWorld) -> None:
    assert await _signs_in_with(mail_world, PASSWORD)
    mail_world.clock.advance(timedelta(days=400))
    # Still the same password, and sign-in goes straight back to the app: no forced change.
    assert await _signs_in_with(mail_world, PASSWORD)


async def test_pw06_change_page_needs_a_session(mail_world: MailWorld) -> None:
    shown = await mail_world.client.get(_page(mail_world))
    assert shown.status_code == 303
    assert "/login?return_to=" in shown.headers["location"]


async def test_pw06_admin_password_change_revokes_refresh_tokens(mail_world: MailWorld) -> None:
    refresh = await _refresh_token(mail_world)
    caller = await make_caller(mail_world.container, "", tenant=mail_world.tenant)
    user = await mail_world.container.users.find_by_email(mail_world.tenant, mail_world.email)
    assert user is not None
    patched = await mail_world.client.patch(
        f"{caller.base}/users/{user.user_id}",
        headers=caller.headers(),
        json={"password": NEW_PASSWORD},
    )
    assert patched.status_code == 200, patched.text
    refused = await _refresh(mail_world, refresh)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert query_of(await mail_world.authorize(prompt="none"))["error"] == "login_required"
