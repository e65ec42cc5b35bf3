"""The second factor in the universal login (MF-04): a right password alone yields no code;
the one-time code does, and the ID token's `amr`/`acr` say what was proved."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.flows.login.conftest import World, hidden_fields, query_of
from tests.flows.login.test_end_to_end import _claims, _redeem
from tier0.login.second_factor import MFA_ACR
from tier0.mfa import totp


async def _enroll(world: World) -> tuple[str, list[str]]:
    user = await world.container.users.find_by_email(world.tenant, world.email)
    assert user is not None
    enrollment = await world.container.mfa.enroll_totp(
        world.tenant, user.user_id, account=world.email
    )
    code = totp.code_at_step(enrollment.seed, totp.step_at(world.clock.now()))
    codes = await world.container.mfa.confirm_totp(
        world.tenant, user.user_id, enrollment.factor_id, code, ip="127.0.0.1"
    )
    world.clock.advance(timedelta(seconds=30))
    return enrollment.seed, codes


async def _password_step(world: World) -> httpx.Response:
    page = await world.authorize(nonce="n" * 64)
    assert page.status_code == 200
    return await world.sign_in(page)


async def _submit_code(world: World, page: httpx.Response, code: str) -> httpx.Response:
    fields = hidden_fields(page.text)
    fields["code"] = code
    return await world.client.post(f"{world.base}/mfa", data=fields)


async def test_mf04_password_alone_yields_no_code(world: World) -> None:
    await _enroll(world)
    asked = await _password_step(world)
    assert asked.status_code == 200 and "Verify it" in asked.text
    assert "location" not in asked.headers
    assert world.session_cookie() is None  # no session before the second factor
    # Resuming /authorize with the same browser still asks for a sign-in, never a code.
    again = await world.authorize()
    assert again.status_code == 200 and "code=" not in again.headers.get("location", "")
    # The pending proof cannot be replayed from another browser (binding cookie).
    fields = hidden_fields(asked.text)
    world.client.cookies.clear()
    stolen = await world.client.post(f"{world.base}/mfa", data={**fields, "code": "000000"})
    assert stolen.status_code in (400, 403) and "location" not in stolen.headers


async def test_mf04_totp_completes_sign_in_with_truthful_amr(world: World) -> None:
    seed, _ = await _enroll(world)
    asked = await _password_step(world)
    wrong = await _submit_code(world, asked, "000000")
    assert wrong.status_code == 400 and "not valid" in wrong.text
    code = totp.code_at_step(seed, totp.step_at(world.clock.now()))
    done = await _submit_code(world, wrong, code)
    assert done.status_code == 303, done.text
    token = await _redeem(world, query_of(done)["code"])
    assert token.status_code == 200, token.text
    claims = _claims(token.json()["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["acr"] == MFA_ACR
    assert world.session_cookie() is not None


async def test_mf02_recovery_code_signs_in_once(world: World) -> None:
    _, codes = await _enroll(world)
    asked = await _password_step(world)
    done = await _submit_code(world, asked, codes[0])
    assert done.status_code == 303
    claims = _claims((await _redeem(world, query_of(done)["code"])).json()["id_token"])
    assert claims["amr"] == ["pwd", "mfa"]
    world.client.cookies.clear()
    asked = await _password_step(world)
    reused = await _submit_code(world, asked, codes[0])
    assert reused.status_code == 400 and "location" not in reused.headers


async def test_users_without_factors_are_unchanged(world: World) -> None:
    done = await _password_step(world)
    assert done.status_code == 303
    claims = _claims((await _redeem(world, query_of(done)["code"])).json()["id_token"])
    assert claims["amr"] == ["pwd"] and "acr" not in claims
