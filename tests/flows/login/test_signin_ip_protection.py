"""Suspicious-IP throttling and the credential-stuffing signal at the real sign-in form
(BF-02): what the browser gets, and the events the audit log and detection rules see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from tests.flows.login.conftest import PASSWORD, World, hidden_fields
from tier0.audit import Actor
from tier0.audit.canonical import canonical_bytes
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery, LoggedEvent
from tier0.audit.streams import Relay, RelayPolicy, StreamKind
from tier0.protection.documents import SuspiciousIpThrottlingUpdate

E = EventType
WRONG = "not the password at all"


async def _events(world: World, *types: EventType) -> list[LoggedEvent]:
    query = EventQuery(tenant_id=world.tenant.id, types=types, limit=1000)
    return list(await world.container.audit.search(query))


async def _alerts(world: World) -> list[LoggedEvent]:
    c = world.container
    relay = Relay(
        c.db, c.streams.sender, c.clock, node_id="d", policy=RelayPolicy(batch=100),
        tenants=[world.tenant.id],
    )  # fmt: skip
    while await relay.run_once():
        pass
    return [e for e in await _events(world) if e.event.type.startswith("alert.")]


@asynccontextmanager
async def _browser(app: FastAPI, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http


async def test_bf02_credential_stuffing_raises_the_event_then_throttles_the_ip(
    world: World,
) -> None:
    rules = {"block_burst": "1/600", "credential_stuffing": "1000/60"}
    await world.container.streams.create(
        world.tenant.id, "rules", StreamKind.DETECT, rules, actor=Actor.system("test"),
        from_start=True,
    )  # fmt: skip
    page = await world.authorize()
    for i in range(20):  # the stuffing rule's 20 distinct identifiers, all failing
        wrong = await world.sign_in(page, email=f"victim{i}@example.com", password=WRONG)
        assert wrong.status_code == 400
    refused = [await world.sign_in(page) for _ in range(3)]  # even the right password
    assert [r.status_code for r in refused] == [429] * 3
    assert world.session_cookie() is None

    signals = await _events(world, E.SECURITY_CREDENTIAL_STUFFING_SUSPECTED)
    seen = {e.event.details["source_kind"]: dict(e.event.details) for e in signals}
    assert seen["ip"] == {
        "source_kind": "ip",
        "source": "127.0.0.1",
        "distinct_identifiers": 20,
        "failures": 20,
        "attempts": 20,
    }
    assert seen["client"]["source"] == world.app.client_id
    assert len(signals) == 2  # once per source and window, not once per later failure
    for logged in signals:
        text = canonical_bytes(logged.event)
        assert WRONG.encode() not in text and b"victim" not in text
        assert PASSWORD.encode() not in text
    # limit_mu, once for the throttle (not per refused attempt), and no longer disguised
    # as the account limit (limit_sul).
    throttled = await _events(world, E.SUSPICIOUS_IP_THROTTLED)
    assert len(throttled) == 1
    assert throttled[0].event.ip == "127.0.0.1"
    assert throttled[0].event.details["stage"] == "pre-login"
    assert await _events(world, E.USER_LOGIN_RATE_LIMITED) == []
    alerts = {(a.event.type, a.event.details.get("source")) for a in await _alerts(world)}
    assert (E.ALERT_CREDENTIAL_STUFFING, "protection") in alerts
    assert (E.ALERT_BLOCK_BURST, None) in alerts  # audit/detect.py BLOCKS sees limit_mu


async def test_bf02_an_ip_out_of_failures_is_throttled_while_others_sign_in(
    world: World, app: FastAPI
) -> None:
    two = SuspiciousIpThrottlingUpdate.model_validate({"stage": {"pre-login": {"max_attempts": 2}}})
    await world.container.protection_policies.update(
        world.tenant, "suspicious-ip-throttling", two, by=ChangedBy.cli()
    )
    page = await world.authorize()
    for i in range(2):
        wrong = await world.sign_in(page, email=f"someone{i}@example.com", password=WRONG)
        assert wrong.status_code == 400
    refused = await world.sign_in(page)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text
    throttled = await _events(world, E.SUSPICIOUS_IP_THROTTLED)
    assert len(throttled) == 1
    assert await _events(world, E.USER_LOGIN_RATE_LIMITED) == []

    async with _browser(app, "198.51.100.7") as other:
        shown = await other.get(f"{world.base}/authorize", params=world.authorize_params())
        fields = hidden_fields(shown.text) | {"email": world.email, "password": PASSWORD}
        signed_in = await other.post(f"{world.base}/login", data=fields)
    assert signed_in.status_code == 303
