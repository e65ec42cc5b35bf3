"""Passkeys (issue 10, MF-03) through real HTTP with a software authenticator: registration
on the account page, the second factor at sign-in, passwordless sign-in, and the refusals
(replay, wrong origin, another browser, counter regression, missing user verification)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.flows.login.conftest import World, hidden_fields, query_of
from tests.flows.login.softkey import SoftAuthenticator, page_ceremony
from tests.flows.login.test_account_mfa import _page, _sign_in_direct
from tests.flows.login.test_end_to_end import _claims, _redeem
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.login.second_factor import MFA_ACR

ORIGIN = "http://127.0.0.1:8000"


def _authenticator(**kwargs: Any) -> SoftAuthenticator:
    return SoftAuthenticator(origin=ORIGIN, rp_id="127.0.0.1", **kwargs)


async def _types(world: World) -> list[EventType]:
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=200))
    return [logged.event.type for logged in found]


async def _set_mfa(world: World, section: dict[str, Any]) -> None:
    async with world.container.db.transaction() as uow:
        await uow.tenants.update_settings(world.tenant.id, {"mfa": section})


async def register(world: World, key: SoftAuthenticator) -> httpx.Response:
    """Sign in with the password, add the passkey on the account page, sign out."""
    signed_in = await _sign_in_direct(world, return_to=_page(world))
    assert signed_in.status_code == 303, signed_in.text
    overview = await world.client.get(_page(world))
    options, state = page_ceremony(overview.text)
    assert options["rp"]["id"] == "127.0.0.1" and len(options["challenge"]) >= 22
    added = await world.client.post(
        _page(world),
        data={
            "csrf_token": hidden_fields(overview.text)["csrf_token"],
            "action": "passkey",
            "webauthn_state": state,
            "credential": key.create(options),
            "name": "Laptop",
        },
    )
    world.client.cookies.clear()
    return added


async def _factor_page(world: World) -> httpx.Response:
    page = await world.authorize(nonce="n" * 32)
    asked = await world.sign_in(page)
    assert asked.status_code == 200 and "Verify it" in asked.text, asked.text
    return asked


async def _assert(world: World, asked: httpx.Response, credential: str) -> httpx.Response:
    fields = hidden_fields(asked.text)
    fields["credential"] = credential
    return await world.client.post(f"{world.base}/mfa", data=fields)


async def test_mf03_passkey_registers_and_is_the_second_factor(world: World) -> None:
    key = _authenticator()
    added = await register(world, key)
    assert added.status_code == 200 and "Your passkey is set up" in added.text
    stored = await world.container.passkeys.passkeys(world.tenant, key.user_handle.decode())
    assert [p.name for p in stored] == ["Laptop"] and stored[0].transports == ("internal",)
    asked = await _factor_page(world)
    options, _ = page_ceremony(asked.text)
    assert [c["id"] for c in options["allowCredentials"]] == [stored[0].credential_id]
    done = await _assert(world, asked, key.get(options))
    assert done.status_code == 303, done.text
    claims = _claims((await _redeem(world, query_of(done)["code"])).json()["id_token"])
    assert claims["amr"] == ["pwd", "hwk", "mfa"] and claims["acr"] == MFA_ACR
    types = await _types(world)
    assert EventType.MFA_ENROLLMENT_COMPLETED in types
    assert EventType.MFA_CHALLENGE_SUCCEEDED in types


async def test_mf03_replayed_assertion_is_refused(world: World) -> None:
    key = _authenticator()
    await register(world, key)
    asked = await _factor_page(world)
    options, _ = page_ceremony(asked.text)
    credential = key.get(options)
    assert (await _assert(world, asked, credential)).status_code == 303
    # The same browser signs in again (prompt=login); it resubmits the spent challenge's
    # state and assertion with its new, valid pending sign-in.
    again = await world.sign_in(await world.authorize(prompt="login"))
    assert "Verify it" in again.text
    fields = hidden_fields(again.text)
    fields.update(credential=credential, webauthn_state=page_ceremony(asked.text)[1])
    replayed = await world.client.post(f"{world.base}/mfa", data=fields)
    assert replayed.status_code == 400 and "location" not in replayed.headers


async def test_mf03_assertion_for_another_origin_is_refused(world: World) -> None:
    key = _authenticator()
    await register(world, key)
    asked = await _factor_page(world)
    options, _ = page_ceremony(asked.text)
    phished = await _assert(world, asked, key.get(options, origin="https://evil.example"))
    assert phished.status_code == 400 and world.session_cookie() is None
    assert EventType.MFA_CHALLENGE_FAILED in await _types(world)


async def test_mf03_challenge_is_bound_to_the_browser(world: World) -> None:
    key = _authenticator()
    await register(world, key)
    asked = await _factor_page(world)
    options, state = page_ceremony(asked.text)
    credential = key.get(options)
    world.client.cookies.clear()
    other = await _factor_page(world)  # another browser: a new binding cookie
    fields = hidden_fields(other.text)
    fields.update(credential=credential, webauthn_state=state)
    stolen = await world.client.post(f"{world.base}/mfa", data=fields)
    assert stolen.status_code == 400 and world.session_cookie() is None


async def test_mf03_sign_count_regression_is_flagged_and_refused(world: World) -> None:
    key = _authenticator()
    await register(world, key)
    asked = await _factor_page(world)
    options, _ = page_ceremony(asked.text)
    assert (await _assert(world, asked, key.get(options, count=7))).status_code == 303
    world.client.cookies.clear()
    asked = await _factor_page(world)
    options, _ = page_ceremony(asked.text)
    cloned = await _assert(world, asked, key.get(options, count=3))
    assert cloned.status_code == 400 and world.session_cookie() is None
    assert EventType.MFA_PASSKEY_SIGN_COUNT_REGRESSED in await _types(world)
    user_id = key.user_handle.decode()
    [stored] = await world.container.passkeys.passkeys(world.tenant, user_id)
    assert stored.sign_count == 7  # the counter never goes back


async def test_mf03_user_verification_required_by_tenant(world: World) -> None:
    await _set_mfa(world, {"passkeys": {"user_verification": "required"}})
    key = _authenticator(user_verified=False)
    refused = await register(world, key)
    assert refused.status_code == 400 and "not added" in refused.text


async def test_passwordless_passkey_sign_in(world: World) -> None:
    key = _authenticator(synced=True)
    await register(world, key)
    plain = await world.authorize()
    assert "Sign in with a passkey" not in plain.text  # off unless the tenant allows it
    await _set_mfa(world, {"passkeys": {"passwordless": True}})
    page = await world.authorize()
    options, state = page_ceremony(page.text)
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    fields = hidden_fields(page.text)  # the passkey form comes last: its CSRF token wins
    fields.update(webauthn_state=state, credential=key.get(options))
    done = await world.client.post(f"{world.base}/login/passkey", data=fields)
    assert done.status_code == 303, done.text
    claims = _claims((await _redeem(world, query_of(done)["code"])).json()["id_token"])
    assert claims["amr"] == ["swk", "mfa"] and claims["acr"] == MFA_ACR


async def test_passwordless_needs_user_verification(world: World) -> None:
    key = _authenticator()
    await register(world, key)
    await _set_mfa(world, {"passkeys": {"passwordless": True}})
    key.user_verified = False
    page = await world.authorize()
    options, state = page_ceremony(page.text)
    fields = hidden_fields(page.text)
    fields.update(webauthn_state=state, credential=key.get(options))
    refused = await world.client.post(f"{world.base}/login/passkey", data=fields)
    assert refused.status_code == 400 and "could not be used" in refused.text
    assert world.session_cookie() is None


async def test_mf03_parallel_submissions_of_one_assertion_give_one_session(world: World) -> None:
    key = _authenticator()
    await register(world, key)
    asked = await _factor_page(world)
    options, _ = page_ceremony(asked.text)
    fields = {**hidden_fields(asked.text), "credential": key.get(options)}
    both = await asyncio.gather(
        world.client.post(f"{world.base}/mfa", data=fields),
        world.client.post(f"{world.base}/mfa", data=fields),
    )
    assert sorted(r.status_code for r in both) == [303, 400]
