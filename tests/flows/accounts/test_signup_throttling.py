"""Sign-up through suspicious-IP throttling's ``pre-user-registration`` stage (BF-02), over
HTTP: every attempt counts whatever its outcome, a throttled one does no password work and
answers alike for every address (BF-03), other IPs, allow-listed IPs and a switched-off
stage are served, and the refusal is a ``suspicious_ip.throttled`` event."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import unique
from tests.flows.accounts.conftest import MailWorld, hidden_fields
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.web.app import create_app

NEW_PASSWORD = "a lantern above the quiet harbour"
THREE_A_MINUTE: dict[str, Any] = {
    "stage": {"pre-user-registration": {"max_attempts": 3, "rate": 60_000}}
}


async def _policy(world: MailWorld, change: dict[str, Any]) -> None:
    policies = world.container.protection_policies
    parsed = policies.parse("suspicious-ip-throttling", change)
    await policies.update(world.tenant, "suspicious-ip-throttling", parsed, by=ChangedBy.cli())


async def _sign_up(
    world: MailWorld,
    email: str,
    password: str = NEW_PASSWORD,
    *,
    client: httpx.AsyncClient | None = None,
) -> httpx.Response:
    browser = client or world.client
    page = await browser.get(f"{world.base}/u/signup")
    assert page.status_code == 200, page.text
    fields = hidden_fields(page.text)
    return await browser.post(
        f"{world.base}/u/signup", data={**fields, "email": email, "password": password}
    )


async def _events(world: MailWorld, kind: EventType) -> list[dict[str, object]]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [dict(e.event.details or {}) for e in found if e.event.type is kind]


def _new() -> str:
    return f"{unique('new')}@example.com"


async def test_bf02_signups_are_throttled_per_ip_before_any_password_work(
    mail_world: MailWorld,
) -> None:
    await mail_world.switch(signup=True)
    await _policy(mail_world, THREE_A_MINUTE)
    # Every attempt counts, whatever its outcome: a refused password and a bad address too.
    assert (await _sign_up(mail_world, _new(), "short")).status_code == 400
    assert (await _sign_up(mail_world, "not an address")).status_code == 400
    assert (await _sign_up(mail_world, _new())).status_code == 200
    breached_before = len(await _events(mail_world, EventType.USER_SIGNUP_BREACHED_PASSWORD))

    refused_address = _new()
    refused = await _sign_up(mail_world, refused_address, "password1234")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert "Too many attempts" in refused.text
    assert "Create your account" in refused.text  # the sign-up page again, not an error
    # Refused before the password was looked at: no breach-list verdict, no account.
    breached = await _events(mail_world, EventType.USER_SIGNUP_BREACHED_PASSWORD)
    assert len(breached) == breached_before
    users = mail_world.container.users
    assert await users.find_by_email(mail_world.tenant, refused_address) is None
    assert (await _sign_up(mail_world, _new())).status_code == 429

    throttled = await _events(mail_world, EventType.SUSPICIOUS_IP_THROTTLED)
    assert throttled == [{"stage": "pre-user-registration", "retry_after": 60}]  # one per flood

    # Another IP is served meanwhile.
    other = httpx.ASGITransport(
        app=create_app(mail_world.container), client=("198.51.100.7", 40000)
    )
    async with httpx.AsyncClient(transport=other, base_url="http://127.0.0.1:8000") as browser:
        assert (await _sign_up(mail_world, _new(), client=browser)).status_code == 200

    # One attempt is regained every `rate` milliseconds.
    mail_world.clock.advance(60)
    assert (await _sign_up(mail_world, _new())).status_code == 200
    assert (await _sign_up(mail_world, _new())).status_code == 429


async def test_bf03_a_throttled_signup_answers_alike_for_taken_and_free_addresses(
    mail_world: MailWorld,
) -> None:
    await mail_world.switch(signup=True)
    await _policy(mail_world, {"stage": {"pre-user-registration": {"max_attempts": 1}}})
    assert (await _sign_up(mail_world, _new())).status_code == 200
    free = _new()
    free_page = await _sign_up(mail_world, free)
    taken_page = await _sign_up(mail_world, mail_world.email)
    assert free_page.status_code == taken_page.status_code == 429
    assert free_page.headers["retry-after"] == taken_page.headers["retry-after"]

    def shape(page: httpx.Response, address: str) -> str:
        # Only the echoed address and the form's fresh CSRF token may differ.
        fields = hidden_fields(page.text)
        return page.text.replace(address, "ADDRESS").replace(fields["csrf_token"], "CSRF")

    assert shape(free_page, free) == shape(taken_page, mail_world.email)
    assert not mail_world.inbox.to(mail_world.email)


async def test_bf02_allow_listed_ips_and_a_disabled_stage_are_not_throttled(
    mail_world: MailWorld,
) -> None:
    await mail_world.switch(signup=True)
    one = {"stage": {"pre-user-registration": {"max_attempts": 1}}}
    await _policy(mail_world, {**one, "allowlist": ["127.0.0.0/8"]})
    statuses = [(await _sign_up(mail_world, _new())).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]

    await _policy(mail_world, {"allowlist": None, "enabled": False})
    statuses = [(await _sign_up(mail_world, _new())).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]

    await _policy(mail_world, {"enabled": None})
    statuses = [(await _sign_up(mail_world, _new())).status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert not await _events(mail_world, EventType.USER_SIGNUP_FAILED)
