"""Step-up and policy overrides (issue 10, MF-04): ``acr_values`` asking for multi-factor
assurance and applications that require MFA force the second factor even inside a live
session; ``max_age`` forces both steps again; nothing is issued before the factor."""

from __future__ import annotations

import re

import httpx

from tests.flows.login.conftest import World, hidden_fields, query_of
from tests.flows.login.test_end_to_end import _claims, _redeem
from tests.flows.login.test_second_factor import _enroll
from tier0.login.second_factor import MFA_ACR
from tier0.mfa import totp

_SEED = re.compile(r'<code id="seed">([A-Z2-7]+)</code>')


async def _submit(world: World, shown: httpx.Response, **extra: str) -> httpx.Response:
    return await world.client.post(f"{world.base}/mfa", data={**hidden_fields(shown.text), **extra})


async def _password_session(world: World) -> None:
    done = await world.full_login()
    assert done.status_code == 303 and world.session_cookie() is not None


async def test_mf04_acr_values_steps_up_a_password_session(world: World) -> None:
    await _password_session(world)
    seed, _ = await _enroll(world)
    plain = await world.authorize(state="sso")
    assert plain.status_code == 303  # no assurance asked: SSO as before
    asked = await world.authorize(acr_values=MFA_ACR)
    assert asked.status_code == 200 and "Verify it" in asked.text
    again = await world.authorize(acr_values=MFA_ACR)  # partial: still no code
    assert again.status_code == 200 and "location" not in again.headers
    code = totp.code_at_step(seed, totp.step_at(world.clock.now()))
    done = await _submit(world, asked, code=code)
    assert done.status_code == 303, done.text
    claims = _claims((await _redeem(world, query_of(done)["code"])).json()["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == MFA_ACR
    # The stepped-up session satisfies the next request at once.
    assert (await world.authorize(acr_values=MFA_ACR, state="x")).status_code == 303


async def test_mf04_acr_values_with_prompt_none_is_interaction_required(world: World) -> None:
    await _password_session(world)
    silent = await world.authorize(acr_values=MFA_ACR, prompt="none")
    assert silent.status_code == 303
    assert query_of(silent)["error"] == "interaction_required"


async def test_mf04_acr_values_enrolls_a_user_without_factor(world: World) -> None:
    await _password_session(world)
    asked = await world.authorize(acr_values=MFA_ACR)
    found = _SEED.search(asked.text)
    assert found is not None and "Set up two-step verification" in asked.text
    shown = await _submit(
        world, asked, code=totp.code_at_step(found.group(1), totp.step_at(world.clock.now()))
    )
    assert shown.status_code == 200 and "recovery" in shown.text.lower()
    resumed = await _submit(world, shown)
    assert resumed.status_code == 303, resumed.text
    claims = _claims((await _redeem(world, query_of(resumed)["code"])).json()["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]


async def test_mf04_application_can_require_mfa(world: World) -> None:
    async with world.container.db.transaction() as uow:
        await uow.tenants.update_settings(
            world.tenant.id, {"mfa": {"policy": "never", "required_clients": [world.app.client_id]}}
        )
    asked = await world.full_login()
    assert asked.status_code == 200 and "Set up two-step verification" in asked.text
    assert world.session_cookie() is None and "location" not in asked.headers


async def test_mf04_max_age_forces_both_factors_again(world: World) -> None:
    seed, _ = await _enroll(world)
    asked = await world.full_login()
    code = totp.code_at_step(seed, totp.step_at(world.clock.now()))
    assert (await _submit(world, asked, code=code)).status_code == 303
    world.clock.advance(31)
    page = await world.authorize(max_age="1")
    assert page.status_code == 200 and 'name="password"' in page.text
    second = await world.sign_in(page)
    assert second.status_code == 200 and "Verify it" in second.text
    assert "location" not in second.headers
