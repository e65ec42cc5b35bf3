"""A user's second factors over the management API (issue 10, admin point): Auth0's
``/users/{id}/authentication-methods``, public facts only (AC-04), every removal audited with
the calling application as actor, and the removed factor no longer counts at sign-in."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.conftest import unique
from tests.flows.management.harness import Caller, make_caller
from tier0.audit import EventType
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain.mfa import Passkey
from tier0.mfa import totp
from tier0.services.users import UserSpec

IP = "198.51.100.7"


async def _user_with_factors(
    container: Container, caller: Caller, clock: FrozenClock
) -> tuple[str, str, str, list[str], str]:
    """A user with a confirmed authenticator app, recovery codes and a passkey."""
    tenant = caller.tenant
    user = await container.users.create(
        tenant, UserSpec(email=f"{unique('u')}@example.com"), by=ChangedBy.cli()
    )
    enrollment = await container.mfa.enroll_totp(tenant, user.user_id, account=user.email)
    code = totp.code_at_step(enrollment.seed, totp.step_at(clock.now()))
    codes = await container.mfa.confirm_totp(
        tenant, user.user_id, enrollment.factor_id, code, ip=IP
    )
    clock.advance(timedelta(seconds=30))
    passkey = Passkey(
        tenant_id=tenant.id,
        id=f"pk_{unique()}",
        user_id=user.user_id,
        credential_id=unique("cred"),
        public_key=b"\xa5\x01\x02public-key-bytes",
        aaguid="00000000-0000-0000-0000-000000000000",
        created_at=clock.now(),
    )
    async with container.db.transaction() as uow:
        await uow.passkeys.add(passkey)
    return user.user_id, enrollment.factor_id, passkey.id, codes, enrollment.seed


async def _removals(container: Container, caller: Caller) -> list[tuple[str | None, object]]:
    events = await container.audit.search(
        EventQuery(tenant_id=caller.tenant.id, types=[EventType.MFA_FACTOR_REMOVED])
    )
    return [(e.event.actor.id, e.event.details["factor"]) for e in events]


async def test_ac04_listing_shows_every_method_and_no_secret(
    client: httpx.AsyncClient, container: Container, caller: Caller, clock: FrozenClock
) -> None:
    user_id, factor_id, passkey_id, codes, seed = await _user_with_factors(container, caller, clock)
    response = await client.get(
        f"{caller.base}/users/{user_id}/authentication-methods",
        headers=caller.headers(["read:authentication_methods"]),
    )
    assert response.status_code == 200, response.text
    methods = {m["id"]: m for m in response.json()}
    assert {i: m["type"] for i, m in methods.items()} == {
        factor_id: "totp",
        passkey_id: "passkey",
        "recovery-code": "recovery-code",
    }
    assert methods["recovery-code"]["recovery_codes_left"] == len(codes)
    assert methods[factor_id]["confirmed"] is True
    text = response.text
    for secret in [seed, *codes, "public-key-bytes", "sealed"]:
        assert secret not in text
    assert not {"secret", "public_key", "sealed_secret"} & {k for m in methods.values() for k in m}


async def test_deleting_one_method_removes_only_it_and_is_audited(
    client: httpx.AsyncClient, container: Container, caller: Caller, clock: FrozenClock
) -> None:
    user_id, factor_id, passkey_id, _, _ = await _user_with_factors(container, caller, clock)
    headers = caller.headers(["read:authentication_methods", "delete:authentication_methods"])
    url = f"{caller.base}/users/{user_id}/authentication-methods"
    assert (await client.delete(f"{url}/{passkey_id}", headers=headers)).status_code == 204
    again = await client.delete(f"{url}/{passkey_id}", headers=headers)
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    remaining = {m["id"] for m in (await client.get(url, headers=headers)).json()}
    assert remaining == {factor_id, "recovery-code"}
    assert (await client.delete(f"{url}/recovery-code", headers=headers)).status_code == 204
    assert await container.mfa.recovery_codes_left(caller.tenant, user_id) == 0
    assert await container.mfa.has_totp(caller.tenant, user_id)
    assert await _removals(container, caller) == [
        (caller.client_id, "passkey"),
        (caller.client_id, "recovery-code"),
    ]


async def test_deleting_all_methods_leaves_the_password_alone(
    client: httpx.AsyncClient, container: Container, caller: Caller, clock: FrozenClock
) -> None:
    user_id, *_ = await _user_with_factors(container, caller, clock)
    headers = caller.headers(["read:authentication_methods", "delete:authentication_methods"])
    url = f"{caller.base}/users/{user_id}/authentication-methods"
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert (await client.get(url, headers=headers)).json() == []
    assert not await container.mfa.enrolled(caller.tenant, user_id)
    events = await container.audit.search(
        EventQuery(tenant_id=caller.tenant.id, types=[EventType.MFA_FACTOR_REMOVED])
    )
    assert [
        (e.event.actor.id, e.event.details["via"], e.event.details["count"]) for e in events
    ] == [(caller.client_id, "management_api", 2)]


async def test_ac02_another_tenants_user_and_method_are_404(
    client: httpx.AsyncClient, container: Container, caller: Caller, clock: FrozenClock
) -> None:
    other = await make_caller(container, unique("other"))
    theirs, factor_id, passkey_id, _, _ = await _user_with_factors(container, other, clock)
    mine, *_ = await _user_with_factors(container, caller, clock)
    headers = caller.headers(["read:authentication_methods", "delete:authentication_methods"])
    lists = f"/users/{theirs}/authentication-methods"
    ones = (
        f"{lists}/{factor_id}",
        # This tenant's user with the other tenant's method ids.
        f"/users/{mine}/authentication-methods/{factor_id}",
        f"/users/{mine}/authentication-methods/{passkey_id}",
        "/users/auth0|nobody/authentication-methods/recovery-code",
    )
    calls = [("GET", lists), ("DELETE", lists), *(("DELETE", path) for path in ones)]
    for method, path in calls:
        response = await client.request(method, f"{caller.base}{path}", headers=headers)
        assert response.status_code == 404, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
    # Nothing of the other tenant's user was removed.
    assert await container.mfa.enrolled(other.tenant, theirs)
    left = await container.factor_admin.methods(other.tenant, theirs)
    assert {m.type for m in left} == {"totp", "passkey", "recovery-code"}
