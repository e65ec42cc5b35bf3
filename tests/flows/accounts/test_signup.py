"""Sign-up on the universal login (issue 4): the tenant switch, the password policy with its
reason, one answer for taken and free addresses (BF-03), and the resumed /authorize."""

from __future__ import annotations

import html
import re

from tests.conftest import unique
from tests.flows.accounts.conftest import MailWorld, hidden_fields
from tests.flows.login.conftest import CALLBACK, PASSWORD, query_of
from tests.outbox import refusing_event
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery

_SIGNUP_LINK = re.compile(r'href="(/t/[^"]+/u/signup[^"]*)"')
NEW_PASSWORD = "a lantern above the quiet harbour"


async def _signup_page_from_authorize(world: MailWorld) -> tuple[str, dict[str, str]]:
    login = await world.authorize()
    assert login.status_code == 200
    found = _SIGNUP_LINK.search(login.text)
    assert found is not None, "the sign-in page links to sign-up when the tenant allows it"
    path = html.unescape(found.group(1))
    return path, await world.form(path)


async def _sign_up(world: MailWorld, fields: dict[str, str], email: str, password: str) -> str:
    response = await world.client.post(
        f"{world.base}/u/signup", data={**fields, "email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return response.text


async def _events(world: MailWorld, kind: EventType) -> list[dict[str, object]]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [dict(e.event.details or {}) for e in found if e.event.type is kind]


async def test_signup_is_off_by_default(mail_world: MailWorld) -> None:
    login = await mail_world.authorize()
    assert "/u/signup" not in login.text
    assert "Forgot your password?" in login.text
    page = await mail_world.client.get(f"{mail_world.base}/u/signup")
    assert page.status_code == 404
    assert "Sign-up is not available" in page.text


async def test_signup_refused_when_switched_off_after_the_form_was_shown(
    mail_world: MailWorld,
) -> None:
    await mail_world.switch(signup=True)
    _, fields = await _signup_page_from_authorize(mail_world)
    await mail_world.switch(signup=False)
    email = f"{unique('new')}@example.com"
    response = await mail_world.client.post(
        f"{mail_world.base}/u/signup", data={**fields, "email": email, "password": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert await mail_world.container.users.find_by_email(mail_world.tenant, email) is None


async def test_signup_shows_the_password_policy_reason(mail_world: MailWorld) -> None:
    await mail_world.switch(signup=True)
    _, fields = await _signup_page_from_authorize(mail_world)
    email = f"{unique('new')}@example.com"
    cases = {
        "short": "at least 12",
        "password1234": "breach",
        f"{email}-secret": "email",
    }
    for password, reason in cases.items():
        response = await mail_world.client.post(
            f"{mail_world.base}/u/signup", data={**fields, "email": email, "password": password}
        )
        assert response.status_code == 400
        assert reason in response.text.lower() or reason in html.unescape(response.text).lower()
    assert await mail_world.container.users.find_by_email(mail_world.tenant, email) is None
    assert await _events(mail_world, EventType.USER_SIGNUP_BREACHED_PASSWORD)
    assert not mail_world.inbox.messages


async def test_bf03_signup_answers_taken_and_free_addresses_alike(mail_world: MailWorld) -> None:
    await mail_world.switch(signup=True)
    _, fields = await _signup_page_from_authorize(mail_world)
    free = f"{unique('new')}@example.com"
    taken = mail_world.email
    free_page = await _sign_up(mail_world, fields, free, NEW_PASSWORD)
    taken_page = await _sign_up(mail_world, fields, taken, NEW_PASSWORD)
    assert free_page.replace(free, "ADDRESS") == taken_page.replace(taken, "ADDRESS")

    # The free address got an account and a verification link ...
    created = await mail_world.container.users.find_by_email(mail_world.tenant, free)
    assert created is not None and not created.email_verified
    (verify,) = await mail_world.mails_to(free, 1)
    assert "/u/email-verification?ticket=" in mail_world.inbox.link(verify)
    # ... the taken one only a note to its owner, whose password did not change.
    (note,) = await mail_world.mails_to(taken, 1)
    assert "already have one" in mail_world.inbox.text(note)
    assert "/u/reset-password" in mail_world.inbox.link(note)
    assert (await mail_world.full_login()).status_code == 303
    failed = await _events(mail_world, EventType.USER_SIGNUP_FAILED)
    assert {"reason": "email_taken"} in failed
    assert await _events(mail_world, EventType.USER_SIGNUP_SUCCEEDED)


async def test_signup_then_sign_in_resumes_the_pending_authorization(
    mail_world: MailWorld,
) -> None:
    await mail_world.switch(signup=True)
    _, fields = await _signup_page_from_authorize(mail_world)
    email = f"{unique('new')}@example.com"
    sent_page = await _sign_up(mail_world, fields, email, NEW_PASSWORD)
    assert "Check your inbox" in sent_page
    login_fields = hidden_fields(sent_page)
    assert "interaction" in login_fields
    response = await mail_world.client.post(
        f"{mail_world.base}/login", data={**login_fields, "email": email, "password": NEW_PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(CALLBACK)
    params = query_of(response)
    assert params["state"] == "state-123" and params["code"]


async def test_signup_with_nothing_waiting_signs_in_on_its_own(mail_world: MailWorld) -> None:
    await mail_world.switch(signup=True)
    fields = await mail_world.form(f"{mail_world.base}/u/signup")
    email = f"{unique('new')}@example.com"
    sent_page = await _sign_up(mail_world, fields, email, NEW_PASSWORD)
    response = await mail_world.client.post(
        f"{mail_world.base}/login",
        data={**hidden_fields(sent_page), "email": email, "password": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "You are signed in" in response.text
    assert mail_world.session_cookie()


async def test_signup_page_has_no_inline_script_and_a_csrf_token(mail_world: MailWorld) -> None:
    await mail_world.switch(signup=True)
    page = await mail_world.client.get(f"{mail_world.base}/u/signup")
    assert "<script" not in page.text and "style=" not in page.text
    assert "script-src" in page.headers["content-security-policy"]
    fields = hidden_fields(page.text)
    forged = {**fields, "csrf_token": "x" * 43, "email": "a@example.com", "password": PASSWORD}
    assert (
        await mail_world.client.post(f"{mail_world.base}/u/signup", data=forged)
    ).status_code == 403


async def test_lg01_signup_event_commits_with_the_account(mail_world: MailWorld) -> None:
    """Issue #6 outbox: `user.signup.succeeded` is written in the account's transaction, so
    an event that cannot be written leaves no account (and no verification mail) either."""
    await mail_world.switch(signup=True)
    fields = await mail_world.form(f"{mail_world.base}/u/signup")
    refused = f"{unique('new')}@example.com"
    c, tenant = mail_world.container, mail_world.tenant
    async with refusing_event(c, tenant.id, str(EventType.USER_SIGNUP_SUCCEEDED)):
        await _sign_up(mail_world, fields, refused, NEW_PASSWORD)  # same answer for all
    assert await c.users.find_by_email(tenant, refused) is None
    assert not await _events(mail_world, EventType.USER_SIGNUP_SUCCEEDED)
    creations = await _events(mail_world, EventType.MANAGEMENT_USERS_CREATED)
    assert not [d for d in creations if d["via"] == "signup"]
    assert not mail_world.inbox.to(refused)

    accepted = f"{unique('new')}@example.com"
    await _sign_up(mail_world, fields, accepted, NEW_PASSWORD)
    user = await c.users.find_by_email(tenant, accepted)
    assert user is not None
    found = await c.audit.search(EventQuery(tenant_id=tenant.id, limit=200))
    signed_up = [e for e in found if e.event.type is EventType.USER_SIGNUP_SUCCEEDED]
    created = [e for e in found if e.event.type is EventType.MANAGEMENT_USERS_CREATED]
    assert [e.event.subject.id for e in signed_up if e.event.subject] == [user.user_id]
    assert signed_up[0].seq == created[-1].seq + 1  # one transaction: adjacent in the chain
