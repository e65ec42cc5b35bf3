"""Guessing the tickets of mailed links (BF-04), over HTTP: reset and verification tickets
are throttled per IP at the link's GET and at its POST, even the right ticket once the IP
is out of tries, with a ``suspicious_ip.throttled`` event (unblock tickets too); and the
reset and verification link GETs are counted in their flow's rate-limit class (AV-01)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.conftest import unique
from tests.flows.accounts.conftest import MailWorld, hidden_fields
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery

NEW_PASSWORD = "a lantern above the quiet harbour"
IP_TRIES = 20  # GuessPolicy for reset and verification tickets: 20, one regained a minute


async def _limits(world: MailWorld, limits: dict[str, Any]) -> None:
    policies = world.container.protection_policies
    change = policies.parse("rate-limits", {"limits": limits})
    await policies.update(world.tenant, "rate-limits", change, by=ChangedBy.cli())


async def _events(world: MailWorld, kind: EventType) -> list[dict[str, object]]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [dict(e.event.details or {}) for e in found if e.event.type is kind]


def _guess() -> str:
    return secrets.token_urlsafe(32)


async def _reset_link(world: MailWorld) -> str:
    form = await world.form(f"{world.base}/u/reset-password")
    sent = await world.client.post(
        f"{world.base}/u/reset-password", data={**form, "email": world.email}
    )
    assert sent.status_code == 200
    (mail,) = await world.mails_to(world.email, 1)
    return world.inbox.link(mail)


async def _verify_link(world: MailWorld) -> tuple[str, str]:
    await world.switch(signup=True)
    fields = await world.form(f"{world.base}/u/signup")
    email = f"{unique('new')}@example.com"
    page = await world.client.post(
        f"{world.base}/u/signup", data={**fields, "email": email, "password": NEW_PASSWORD}
    )
    assert page.status_code == 200
    (mail,) = await world.mails_to(email, 1)
    return email, world.inbox.link(mail)


def _assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["retry-after"] == "60"
    assert "Too many attempts" in response.text


async def test_bf04_reset_tickets_are_guess_throttled_per_ip(mail_world: MailWorld) -> None:
    await _limits(mail_world, {"reset": {"ip": None}})  # only the guess throttle under test
    change = f"{mail_world.base}/u/reset-password/change"
    link = await _reset_link(mail_world)
    fields = hidden_fields((await mail_world.client.get(link)).text)
    for _ in range(IP_TRIES):
        assert (await mail_world.client.get(change, params={"ticket": _guess()})).status_code == 400

    _assert_throttled(await mail_world.client.get(link))  # even the right ticket
    posted = await mail_world.client.post(change, data={**fields, "password": NEW_PASSWORD})
    _assert_throttled(posted)
    assert (await mail_world.full_login()).status_code == 303  # the old password still works
    throttled = await _events(mail_world, EventType.SUSPICIOUS_IP_THROTTLED)
    assert throttled == [{"stage": "reset_token", "by": "ip", "retry_after": 60}]

    mail_world.clock.advance(60)  # one try regained; a right ticket spends none
    assert (await mail_world.client.get(link)).status_code == 200
    done = await mail_world.client.post(change, data={**fields, "password": NEW_PASSWORD})
    assert done.status_code == 200 and "Your password is changed" in done.text


async def test_bf04_wrong_tickets_posted_to_the_reset_form_count_too(
    mail_world: MailWorld,
) -> None:
    await _limits(mail_world, {"reset": {"ip": None}})
    change = f"{mail_world.base}/u/reset-password/change"
    link = await _reset_link(mail_world)
    fields = hidden_fields((await mail_world.client.get(link)).text)
    for _ in range(IP_TRIES):
        wrong = {**fields, "ticket": _guess(), "password": NEW_PASSWORD}
        assert (await mail_world.client.post(change, data=wrong)).status_code == 400
    _assert_throttled(await mail_world.client.get(link))


async def test_bf04_verification_tickets_are_guess_throttled_per_ip(
    mail_world: MailWorld,
) -> None:
    await _limits(mail_world, {"signup": {"ip": None}})
    email, link = await _verify_link(mail_world)
    verify = f"{mail_world.base}/u/email-verification"
    fields = hidden_fields((await mail_world.client.get(link)).text)
    for i in range(IP_TRIES):
        if i % 2:
            wrong = await mail_world.client.get(verify, params={"ticket": _guess()})
        else:
            wrong = await mail_world.client.post(verify, data={**fields, "ticket": _guess()})
        assert wrong.status_code == 400

    _assert_throttled(await mail_world.client.get(link))
    _assert_throttled(await mail_world.client.post(verify, data=fields))
    user = await mail_world.container.users.find_by_email(mail_world.tenant, email)
    assert user is not None and not user.email_verified
    throttled = await _events(mail_world, EventType.SUSPICIOUS_IP_THROTTLED)
    assert throttled == [{"stage": "verification_token", "by": "ip", "retry_after": 60}]

    mail_world.clock.advance(60)
    done = await mail_world.client.post(verify, data=fields)
    assert done.status_code == 200 and "confirmed" in done.text


async def test_bf04_unblock_ticket_guessing_is_refused_with_an_event(
    mail_world: MailWorld,
) -> None:
    unblock = f"{mail_world.base}/u/unblock"
    for _ in range(IP_TRIES):
        wrong = await mail_world.client.get(unblock, params={"ticket": _guess()})
        assert wrong.status_code == 400
    _assert_throttled(await mail_world.client.get(unblock, params={"ticket": _guess()}))
    throttled = await _events(mail_world, EventType.SUSPICIOUS_IP_THROTTLED)
    assert throttled == [{"stage": "unblock_token", "by": "ip", "retry_after": 60}]


async def test_av01_reset_link_page_counts_in_the_reset_class(mail_world: MailWorld) -> None:
    await _limits(mail_world, {"reset": {"ip": "3/minute"}})
    link = await _reset_link(mail_world)  # the request's POST is the first of three
    statuses = [(await mail_world.client.get(link)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await mail_world.client.get(link)
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too many attempts" in refused.text
    exceeded = await _events(mail_world, EventType.RATE_LIMIT_EXCEEDED)
    assert exceeded == [{"endpoint": "reset", "scope": "ip", "limit": 3}]


async def test_av01_verification_link_page_counts_in_the_signup_class(
    mail_world: MailWorld,
) -> None:
    await _limits(mail_world, {"signup": {"ip": "3/minute"}})
    _, link = await _verify_link(mail_world)  # the sign-up's POST is the first of three
    statuses = [(await mail_world.client.get(link)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    exceeded = await _events(mail_world, EventType.RATE_LIMIT_EXCEEDED)
    assert exceeded == [{"endpoint": "signup", "scope": "ip", "limit": 3}]
