"""The tenant's MFA policy (issue 10): ``required`` makes a user without a factor enroll one
at sign-in before any session or code exists (MF-04), ``never`` skips the second factor."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import httpx

from tests.flows.login.conftest import PASSWORD, World, hidden_fields, query_of
from tests.flows.login.test_end_to_end import _claims, _redeem
from tests.flows.login.test_second_factor import _enroll
from tier0.mfa import totp
from tier0.mfa.policy import MfaPolicy, mfa_policy

_SEED = re.compile(r'<code id="seed">([A-Z2-7]+)</code>')


async def _set_policy(world: World, policy: str) -> None:
    async with world.container.db.transaction() as uow:
        await uow.tenants.update_settings(world.tenant.id, {"mfa": {"policy": policy}})


async def _submit(world: World, shown: httpx.Response, **extra: str) -> httpx.Response:
    return await world.client.post(f"{world.base}/mfa", data={**hidden_fields(shown.text), **extra})


def test_policy_parsing_defaults_optional_and_fails_closed(world: World) -> None:
    assert mfa_policy(world.tenant) is MfaPolicy.OPTIONAL
    typo = replace(world.tenant, settings={"mfa": {"policy": "requried"}})
    assert mfa_policy(typo) is MfaPolicy.REQUIRED
    never = replace(world.tenant, settings={"mfa": {"policy": "never"}})
    assert mfa_policy(never) is MfaPolicy.NEVER


async def test_mf04_required_policy_enrolls_before_any_code(world: World) -> None:
    await _set_policy(world, "required")
    asked = await world.full_login()
    assert asked.status_code == 200 and "Set up two-step verification" in asked.text
    assert "<svg" in asked.text and "location" not in asked.headers
    assert world.session_cookie() is None  # nothing issued before the enrollment
    found = _SEED.search(asked.text)
    assert found is not None
    wrong = await _submit(world, asked, code="000000")
    assert wrong.status_code == 400 and _SEED.search(wrong.text) is None
    assert world.session_cookie() is None
    code = totp.code_at_step(found.group(1), totp.step_at(world.clock.now()))
    shown = await _submit(world, wrong, code=code)
    assert shown.status_code == 200, shown.text
    codes = re.findall(r"<li><code>([^<]+)</code></li>", shown.text)
    assert len(codes) == 10 and shown.headers["cache-control"] == "no-store"
    assert "code=" not in shown.text  # the authorization resumes only after the codes
    assert world.session_cookie() is not None
    resumed = await _submit(world, shown)
    assert resumed.status_code == 303, resumed.text
    token = await _redeem(world, query_of(resumed)["code"])
    claims = _claims(token.json()["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    # Next time the enrolled user is asked for a code, not enrolled again.
    world.client.cookies.clear()
    world.clock.advance(timedelta(seconds=30))
    again = await world.full_login()
    assert "Verify it" in again.text and _SEED.search(again.text) is None


async def test_mf04_required_enrollment_form_needs_the_pending_proof(world: World) -> None:
    await _set_policy(world, "required")
    asked = await world.full_login()
    fields = hidden_fields(asked.text)
    fields["pending"] = "forged"
    refused = await world.client.post(f"{world.base}/mfa", data={**fields, "code": "123456"})
    assert refused.status_code == 400 and "location" not in refused.headers
    assert world.session_cookie() is None


async def test_never_policy_skips_the_second_factor(world: World) -> None:
    await _enroll(world)
    await _set_policy(world, "never")
    done = await world.full_login()
    assert done.status_code == 303, done.text
    claims = _claims((await _redeem(world, query_of(done)["code"])).json()["id_token"])
    assert claims["amr"] == ["pwd"]


async def test_optional_policy_lets_an_unenrolled_user_in_with_password(world: World) -> None:
    await _set_policy(world, "optional")
    done = await world.full_login()
    assert done.status_code == 303 and "code" in query_of(done)


async def test_mf04_required_policy_on_direct_sign_in_returns_after_codes(world: World) -> None:
    await _set_policy(world, "required")
    target = f"{world.base}/account/mfa"
    form = await world.client.get(f"{world.base}/login", params={"return_to": target})
    fields = {**hidden_fields(form.text), "email": world.email, "password": PASSWORD}
    asked = await world.client.post(f"{world.base}/login", data=fields)
    found = _SEED.search(asked.text)
    assert found is not None and world.session_cookie() is None
    code = totp.code_at_step(found.group(1), totp.step_at(world.clock.now()))
    shown = await _submit(world, asked, code=code)
    assert shown.status_code == 200 and len(re.findall(r"<li><code>", shown.text)) == 10
    back = await _submit(world, shown)
    assert back.status_code == 303 and back.headers["location"] == target
    listed = await world.client.get(target)
    assert listed.status_code == 200 and "Authenticator app" in listed.text
