"""Email verification (issue 4): a single-use, expiring link stored as a keyed hash, the
tenant switch that requires it before a sign-in completes, a throttled resend, events."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.conftest import unique
from tests.flows.accounts.conftest import MailWorld, hidden_fields
from tests.flows.login.conftest import CALLBACK, VERIFIER, query_of
from tests.outbox import refused_request, refusing_event
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.storage.sql.models.account_tickets import AccountTicketRow

PASSWORD = "a lantern above the quiet harbour"


async def _signed_up(world: MailWorld) -> tuple[str, str, str]:
    """Sign up a new address from /authorize; its address, verify link, and the
    "check your inbox" page."""
    await world.switch(signup=True)
    login = await world.authorize()
    assert login.status_code == 200
    fields = await world.form(
        f"{world.base}/u/signup?interaction={hidden_fields(login.text)['interaction']}"
    )
    email = f"{unique('new')}@example.com"
    page = await world.client.post(
        f"{world.base}/u/signup", data={**fields, "email": email, "password": PASSWORD}
    )
    assert page.status_code == 200
    (mail,) = await world.mails_to(email, 1)
    return email, world.inbox.link(mail), page.text


async def _confirm(world: MailWorld, link: str) -> int:
    fields = hidden_fields((await world.client.get(link)).text)
    return (await world.client.post(f"{world.base}/u/email-verification", data=fields)).status_code


async def test_verification_link_sets_email_verified_once(mail_world: MailWorld) -> None:
    email, link, _ = await _signed_up(mail_world)
    page = await mail_world.client.get(link)
    assert page.status_code == 200 and "Confirm" in page.text
    # Showing the page spends nothing: a mail scanner that fetches links cannot use it up.
    assert (await mail_world.client.get(link)).status_code == 200
    fields = hidden_fields(page.text)
    done = await mail_world.client.post(f"{mail_world.base}/u/email-verification", data=fields)
    assert done.status_code == 200 and "confirmed" in done.text
    user = await mail_world.container.users.find_by_email(mail_world.tenant, email)
    assert user is not None and user.email_verified
    again = await mail_world.client.post(f"{mail_world.base}/u/email-verification", data=fields)
    assert again.status_code == 400 and "does not work any more" in again.text
    assert (await mail_world.client.get(link)).status_code == 400
    events = await mail_world.container.audit.search(
        EventQuery(tenant_id=mail_world.tenant.id, limit=200)
    )
    kinds = [e.event.type for e in events]
    assert EventType.USER_EMAIL_VERIFICATION_SENT in kinds
    assert EventType.USER_EMAIL_VERIFIED in kinds
    assert EventType.USER_EMAIL_VERIFICATION_FAILED in kinds


async def test_verification_link_expires(mail_world: MailWorld) -> None:
    email, link, _ = await _signed_up(mail_world)
    fields = hidden_fields((await mail_world.client.get(link)).text)
    lifetime = mail_world.container.settings.email_verification_lifetime
    mail_world.clock.advance(timedelta(seconds=lifetime + 1))
    response = await mail_world.client.post(f"{mail_world.base}/u/email-verification", data=fields)
    assert response.status_code == 400
    user = await mail_world.container.users.find_by_email(mail_world.tenant, email)
    assert user is not None and not user.email_verified


async def test_verification_ticket_is_stored_only_as_a_keyed_hash(mail_world: MailWorld) -> None:
    _, link, _ = await _signed_up(mail_world)
    ticket = parse_qs(urlsplit(link).query)["ticket"][0]
    assert len(ticket) >= 43  # 256 bits in base64url (at least 128 are required)
    async with mail_world.container.db.read() as uow:
        stored = set(
            await uow.session.scalars(
                select(AccountTicketRow.ticket_hash).where(
                    AccountTicketRow.tenant_id == mail_world.tenant.id
                )
            )
        )
    assert stored and all(ticket not in value for value in stored)
    key = await mail_world.container.keyring.hash_key(mail_world.tenant.id)
    assert stored == {key.digest(ticket, purpose="ticket-verify_email")}


async def test_required_verification_holds_back_the_sign_in_until_confirmed(
    mail_world: MailWorld,
) -> None:
    await mail_world.switch(signup=True, verify=True)
    email, link, page = await _signed_up(mail_world)
    assert "before you sign in" in page
    fields = {**hidden_fields(page), "email": email, "password": PASSWORD}
    refused = await mail_world.client.post(f"{mail_world.base}/login", data=fields)
    assert refused.status_code == 403
    assert "verify your email address first" in refused.text
    assert mail_world.session_cookie() is None
    assert await _confirm(mail_world, link) == 200
    retry = hidden_fields(refused.text)
    response = await mail_world.client.post(
        f"{mail_world.base}/login", data={**retry, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303 and response.headers["location"].startswith(CALLBACK)
    form = {
        "grant_type": "authorization_code",
        "code": query_of(response)["code"],
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
    }
    tokens = await mail_world.client.post(
        f"{mail_world.base}/oauth/token",
        data=form,
        auth=(mail_world.app.client_id, mail_world.secret),
    )
    payload = tokens.json()["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["email"] == email and claims["email_verified"] is True


async def test_required_verification_applies_to_existing_unverified_users(
    mail_world: MailWorld,
) -> None:
    await mail_world.switch(verify=True)
    assert (await mail_world.full_login()).status_code == 403
    await mail_world.switch(verify=False)
    assert (await mail_world.full_login()).status_code == 303


async def test_resend_is_throttled_and_answers_alike(mail_world: MailWorld) -> None:
    email, _, _ = await _signed_up(mail_world)
    form = await mail_world.form(f"{mail_world.base}/u/email-verification/resend")
    path = f"{mail_world.base}/u/email-verification/resend"
    unknown = f"{unique('nobody')}@example.com"
    known_page = await mail_world.client.post(path, data={**form, "email": email})
    unknown_page = await mail_world.client.post(path, data={**form, "email": unknown})
    assert known_page.status_code == unknown_page.status_code == 200
    assert known_page.text.replace(email, "X") == unknown_page.text.replace(unknown, "X")
    # The sign-up mail went out a moment ago: one a minute per address at most.
    assert len(await mail_world.mails_to(email, 2)) == 1
    mail_world.clock.advance(timedelta(seconds=61))
    await mail_world.client.post(path, data={**form, "email": email})
    mails = await mail_world.mails_to(email, 2)
    assert len(mails) == 2
    # The newest link works; the older one was retired when it was sent.
    old, new = (mail_world.inbox.link(m) for m in mails)
    assert (await mail_world.client.get(old)).status_code == 400
    assert await _confirm(mail_world, new) == 200
    assert not mail_world.inbox.to(unknown)


async def test_lg01_verification_sent_event_commits_with_the_ticket(mail_world: MailWorld) -> None:
    """Issue #6 outbox: `user.email_verification.sent` is written in the new link's
    transaction, so an event that cannot be written leaves no new link (the older one is
    not retired, no mail goes out); without the refusal the link, mail and event are kept."""
    email, first_link, _ = await _signed_up(mail_world)
    c, tenant = mail_world.container, mail_world.tenant
    path = f"{mail_world.base}/u/email-verification/resend"
    form = await mail_world.form(path)
    mail_world.clock.advance(timedelta(seconds=61))
    async with refusing_event(c, tenant.id, str(EventType.USER_EMAIL_VERIFICATION_SENT)):
        await refused_request(mail_world.client.post(path, data={**form, "email": email}))
    assert len(await mail_world.mails_to(email, 2)) == 1
    assert len(await _sent_events(mail_world)) == 1  # the sign-up's
    assert (await mail_world.client.get(first_link)).status_code == 200  # not retired

    mail_world.clock.advance(timedelta(seconds=61))
    await mail_world.client.post(path, data={**form, "email": email})
    assert len(await mail_world.mails_to(email, 2)) == 2
    assert len(await _sent_events(mail_world)) == 2
    assert (await mail_world.client.get(first_link)).status_code == 400  # retired now


async def _sent_events(world: MailWorld) -> list[object]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [e for e in found if e.event.type is EventType.USER_EMAIL_VERIFICATION_SENT]
