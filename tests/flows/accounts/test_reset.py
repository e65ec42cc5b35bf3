"""Password reset (PW-07) and what a completed reset undoes (PW-06), through the pages,
with the mails received by a real SMTP server and their links followed over HTTP."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import unique
from tests.flows.accounts.conftest import MailWorld, hidden_fields
from tests.flows.login.conftest import CALLBACK, PASSWORD, VERIFIER, query_of
from tests.outbox import refused_request, refusing_event
from tier0.audit.canonical import event_to_dict
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.mfa import totp
from tier0.storage.sql.models.account_tickets import AccountTicketRow

NEW_PASSWORD = "a lantern above the quiet harbour"


async def _request_reset(world: MailWorld, email: str) -> httpx.Response:
    form = await world.form(f"{world.base}/u/reset-password")
    return await world.client.post(f"{world.base}/u/reset-password", data={**form, "email": email})


async def _reset_link(world: MailWorld) -> str:
    assert (await _request_reset(world, world.email)).status_code == 200
    mails = await world.mails_to(world.email, 1)
    assert mails, "the reset mail arrived"
    return world.inbox.link(mails[-1])


async def _set_password(world: MailWorld, link: str, password: str) -> httpx.Response:
    page = await world.client.get(link)
    assert page.status_code == 200, page.text
    return await world.client.post(
        f"{world.base}/u/reset-password/change",
        data={**hidden_fields(page.text), "password": password},
    )


async def _types(world: MailWorld) -> list[EventType]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [e.event.type for e in found]


async def test_pw07_reset_answer_is_identical_for_unknown_accounts(mail_world: MailWorld) -> None:
    unknown = f"{unique('nobody')}@example.com"
    known_page = await _request_reset(mail_world, mail_world.email)
    unknown_page = await _request_reset(mail_world, unknown)
    assert known_page.status_code == unknown_page.status_code == 200
    assert known_page.text.replace(mail_world.email, "X") == unknown_page.text.replace(unknown, "X")
    assert len(await mail_world.mails_to(mail_world.email, 1)) == 1
    assert not mail_world.inbox.to(unknown)
    types = await _types(mail_world)
    assert EventType.USER_PASSWORD_RESET_REQUESTED in types
    assert EventType.USER_PASSWORD_RESET_REQUEST_FAILED in types


async def test_pw07_reset_link_single_use(mail_world: MailWorld) -> None:
    link = await _reset_link(mail_world)
    page = await mail_world.client.get(link)
    fields = hidden_fields(page.text)
    done = await mail_world.client.post(
        f"{mail_world.base}/u/reset-password/change", data={**fields, "password": NEW_PASSWORD}
    )
    assert done.status_code == 200 and "Your password is changed" in done.text
    again = await mail_world.client.post(
        f"{mail_world.base}/u/reset-password/change",
        data={**fields, "password": "another fine sentence for a password"},
    )
    assert again.status_code == 400 and "does not work any more" in again.text
    assert (await mail_world.client.get(link)).status_code == 400
    # The new password signs in; the old one does not.
    assert (await mail_world.full_login()).status_code == 400
    login = await mail_world.authorize()
    assert (await mail_world.sign_in(login, password=NEW_PASSWORD)).status_code == 303
    types = await _types(mail_world)
    assert EventType.USER_PASSWORD_CHANGED in types
    assert EventType.USER_PASSWORD_CHANGE_FAILED in types


async def test_pw07_reset_link_expires_within_an_hour(mail_world: MailWorld) -> None:
    assert mail_world.container.settings.password_reset_lifetime <= 3600
    link = await _reset_link(mail_world)
    fields = hidden_fields((await mail_world.client.get(link)).text)
    mail_world.clock.advance(timedelta(seconds=3601))
    assert (await mail_world.client.get(link)).status_code == 400
    response = await mail_world.client.post(
        f"{mail_world.base}/u/reset-password/change", data={**fields, "password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert (await mail_world.full_login()).status_code == 303  # the old password still works


async def test_pw07_reset_token_is_long_and_only_a_newer_link_works(mail_world: MailWorld) -> None:
    first = await _reset_link(mail_world)
    mail_world.clock.advance(timedelta(seconds=61))  # past the one-mail-a-minute throttle
    await _request_reset(mail_world, mail_world.email)
    second = mail_world.inbox.link((await mail_world.mails_to(mail_world.email, 2))[-1])
    ticket = parse_qs(urlsplit(second).query)["ticket"][0]
    assert len(ticket) >= 43  # 256 bits; PW-07 asks for at least 128
    assert (await mail_world.client.get(first)).status_code == 400
    assert (await mail_world.client.get(second)).status_code == 200


async def test_pw07_new_password_passes_policy_breach_check_and_history(
    mail_world: MailWorld,
) -> None:
    link = await _reset_link(mail_world)
    for password, reason in (
        ("short", "at least"),
        ("password1234", "breach"),
        (PASSWORD, "used"),  # the current password: the history (size 3 here) refuses it
    ):
        response = await _set_password(mail_world, link, password)
        assert response.status_code == 400
        assert reason in response.text.lower(), response.text
    # A refused password spends nothing: the same link still works.
    assert (await _set_password(mail_world, link, NEW_PASSWORD)).status_code == 200
    assert EventType.USER_PASSWORD_RESET_BREACHED_PASSWORD in await _types(mail_world)


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


async def test_pw06_reset_revokes_sessions_and_refresh_tokens(mail_world: MailWorld) -> None:
    refresh = await _refresh_token(mail_world)
    assert mail_world.session_cookie()
    silent = await mail_world.authorize(prompt="none")
    assert "code" in query_of(silent)  # the session answers silently before the reset
    link = await _reset_link(mail_world)
    assert (await _set_password(mail_world, link, NEW_PASSWORD)).status_code == 200
    form = {"grant_type": "refresh_token", "refresh_token": refresh}
    refused = await mail_world.client.post(
        f"{mail_world.base}/oauth/token",
        data=form,
        auth=(mail_world.app.client_id, mail_world.secret),
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    # The session is gone too (and so is its cookie): prompt=none needs a sign-in.
    silent = await mail_world.authorize(prompt="none")
    assert query_of(silent)["error"] == "login_required"
    changed = [m for m in mail_world.inbox.to(mail_world.email) if "changed" in str(m["Subject"])]
    assert changed, "a password-changed mail went out"


async def test_pw07_reset_keeps_mfa(mail_world: MailWorld) -> None:
    user = await mail_world.container.users.find_by_email(mail_world.tenant, mail_world.email)
    assert user is not None
    mfa = mail_world.container.mfa
    enrollment = await mfa.enroll_totp(mail_world.tenant, user.user_id, account=user.email)
    code = totp.code_at_step(enrollment.seed, totp.step_at(mail_world.clock.now()))
    await mfa.confirm_totp(mail_world.tenant, user.user_id, enrollment.factor_id, code, ip="x")
    link = await _reset_link(mail_world)
    done = await _set_password(mail_world, link, NEW_PASSWORD)
    assert done.status_code == 200 and mail_world.session_cookie() is None
    login = await mail_world.authorize()
    second = await mail_world.sign_in(login, password=NEW_PASSWORD)
    assert second.status_code == 200
    assert 'name="code"' in second.text  # the one-time code is still asked for
    assert await mfa.enrolled(mail_world.tenant, user.user_id)


async def test_pw07_no_reset_token_or_password_in_logs_or_events(
    mail_world: MailWorld, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    link = await _reset_link(mail_world)
    ticket = parse_qs(urlsplit(link).query)["ticket"][0]
    page = await mail_world.client.get(link)
    for _ in range(2):  # the second use of the link is refused and logged as a failure
        await mail_world.client.post(
            f"{mail_world.base}/u/reset-password/change",
            data={**hidden_fields(page.text), "password": NEW_PASSWORD},
        )
    found = await mail_world.container.audit.search(
        EventQuery(tenant_id=mail_world.tenant.id, limit=200)
    )
    events = json.dumps([event_to_dict(e.event) for e in found])
    captured = capsys.readouterr()
    # Every log record but the test's own client and mail server (httpx logs the URLs it
    # fetched; aiosmtpd, logger "mail.log", the mails it received).
    test_side = {"httpx", "mail.log"}
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name not in test_side)
    sinks = [captured.out, captured.err, logged, events]
    for sink in sinks:
        assert ticket not in sink
        assert NEW_PASSWORD not in sink and PASSWORD not in sink
    assert "/u/reset-password/change" in captured.err  # the request log saw the path only


async def test_reset_requests_count_per_address_across_ips(mail_world: MailWorld) -> None:
    """The reset class's per-user scope (10 an hour) holds for any typed address alike, so
    the 429 says nothing about whether it has an account."""
    for address in (mail_world.email, f"{unique('nobody')}@example.com"):
        statuses = []
        for _ in range(2):
            for _ in range(5):
                statuses.append((await _request_reset(mail_world, address)).status_code)
            mail_world.clock.advance(timedelta(seconds=61))  # past the per-IP minute
        refused = await _request_reset(mail_world, address)
        assert statuses == [200] * 10 and refused.status_code == 429
        assert "retry-after" in refused.headers


async def test_lg01_reset_requested_event_commits_with_the_ticket(mail_world: MailWorld) -> None:
    """Issue #6 outbox: `user.password_reset.requested` is written in the reset link's
    transaction, so an event that cannot be written leaves no link and sends no mail;
    without the refusal the link, its mail and the event are all kept."""
    c, tenant = mail_world.container, mail_world.tenant
    async with refusing_event(c, tenant.id, str(EventType.USER_PASSWORD_RESET_REQUESTED)):
        await refused_request(_request_reset(mail_world, mail_world.email))
    assert not await mail_world.mails_to(mail_world.email, 1)
    assert not await _reset_tickets(mail_world)
    assert not await _requested_events(mail_world)

    mail_world.clock.advance(timedelta(seconds=61))  # the refused request was counted
    await _reset_link(mail_world)
    assert len(await _reset_tickets(mail_world)) == 1
    assert len(await _requested_events(mail_world)) == 1


async def _reset_tickets(world: MailWorld) -> list[str]:
    async with world.container.db.read() as uow:
        found = await uow.session.scalars(
            select(AccountTicketRow.ticket_hash).where(
                AccountTicketRow.tenant_id == world.tenant.id,
                AccountTicketRow.purpose == "reset_password",
            )
        )
        return list(found)


async def _requested_events(world: MailWorld) -> list[object]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [e for e in found if e.event.type is EventType.USER_PASSWORD_RESET_REQUESTED]
