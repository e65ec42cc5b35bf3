"""The email one-time code (issue 10): a per-tenant fallback factor, single use, short
lived, stored as a keyed hash and throttled like every guessable secret (BF-04)."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy

import httpx

from tests.flows.login.conftest import World, hidden_fields, query_of
from tests.flows.login.test_end_to_end import _claims, _redeem
from tests.flows.login.test_second_factor import _enroll
from tier0.domain.mfa import EmailCode

_FORM = re.compile(r'<form[^>]*id="email-form".*?</form>', re.DOTALL)
_CODE_FORM = re.compile(r'<form[^>]*id="code-form".*?</form>', re.DOTALL)


def _code_form(text: str) -> dict[str, str]:
    found = _CODE_FORM.search(text)
    assert found is not None
    return hidden_fields(found.group(0))


async def _enable(world: World) -> None:
    async with world.container.db.transaction() as uow:
        await uow.tenants.update_settings(world.tenant.id, {"mfa": {"email_otp": True}})


def _mailed_codes(world: World) -> list[str]:
    outbox = world.container.settings.data_dir / "outbox"
    codes = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        if "sign-in code" in str(mail["Subject"]):
            body = mail.get_body(("plain",))
            assert body is not None
            codes += re.findall(r"^ +(\d{6})\r?$", body.get_content(), re.MULTILINE)
    return codes


async def _ask_for_mail(world: World) -> tuple[httpx.Response, httpx.Response]:
    await _enroll(world)
    asked = await world.full_login()
    form = _FORM.search(asked.text)
    assert form is not None, "no email option on the page"
    sent = await world.client.post(f"{world.base}/mfa", data=hidden_fields(form.group(0)))
    assert sent.status_code == 200 and "Check your email" in sent.text
    return asked, sent


async def _submit(world: World, page: httpx.Response, code: str) -> httpx.Response:
    fields = _code_form(page.text)
    assert fields["via"] == "email"
    return await world.client.post(f"{world.base}/mfa", data={**fields, "code": code})


async def test_email_code_is_off_unless_the_tenant_enables_it(world: World) -> None:
    await _enroll(world)
    asked = await world.full_login()
    assert _FORM.search(asked.text) is None
    fields = {**hidden_fields(asked.text), "action": "email"}
    await world.client.post(f"{world.base}/mfa", data=fields)
    assert _mailed_codes(world) == []


async def test_email_code_signs_in_once(world: World) -> None:
    await _enable(world)
    _, sent = await _ask_for_mail(world)
    [code] = _mailed_codes(world)
    done = await _submit(world, sent, code)
    assert done.status_code == 303, done.text
    claims = _claims((await _redeem(world, query_of(done)["code"])).json()["id_token"])
    assert claims["amr"] == ["pwd", "mfa"]
    world.client.cookies.clear()
    _, again = await _ask_for_mail(world)
    reused = await _submit(world, again, code)
    assert reused.status_code == 400 and world.session_cookie() is None


async def test_email_code_expires_and_is_stored_hashed(world: World) -> None:
    await _enable(world)
    await _ask_for_mail(world)
    [code] = _mailed_codes(world)
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None
    async with world.container.db.read() as uow:
        stored = await uow.email_codes.get(world.tenant.id, user.user_id)
    assert isinstance(stored, EmailCode) and code not in stored.code_hash
    # A new password step keeps the pending sign-in alive; the code itself dies at 5 min.
    world.clock.advance(timedelta(minutes=4))
    fields = {**_code_form((await world.full_login()).text), "via": "email", "code": code}
    world.clock.advance(timedelta(seconds=61))
    late = await world.client.post(f"{world.base}/mfa", data=fields)
    assert late.status_code == 400 and "not valid" in late.text


async def test_bf04_email_code_guessing_is_throttled(world: World) -> None:
    await _enable(world)
    _, sent = await _ask_for_mail(world)
    [code] = _mailed_codes(world)
    statuses = []
    page = sent
    for guess in range(6):
        page = await _submit(world, page, f"{guess:06d}" if f"{guess:06d}" != code else "999999")
        statuses.append(page.status_code)
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    blocked = await _submit(world, page, code)  # even the right code waits now
    assert blocked.status_code == 429 and world.session_cookie() is None
