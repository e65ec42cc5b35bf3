"""Splunk HEC and Datadog log streams, against real HTTP receivers on loopback: the token
travels in its header only, every event arrives in order, and a refusal is retried
(LG-01); no token ever shows up in a payload, an error or an event (LG-02)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.conftest import unique
from tests.unit.audit.receivers import WebhookReceiver
from tier0.audit import Actor, EventType, SecurityEvent
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.audit.streams import Relay, RelayPolicy, StreamKind
from tier0.audit.streams.siem import DATADOG_DEFAULT_URL
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Tenant
from tier0.errors import InvalidInput

ADMIN = Actor.admin("adm_1")
POLICY = RelayPolicy(batch=50, lease=timedelta(seconds=30), max_failures=3)


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    return await container.tenants.create(unique("siem"), by=ChangedBy.cli())


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    await hook.start()
    yield hook
    await hook.stop()


def _token() -> str:
    return "tok-canary-" + unique("x")


async def _emit_and_relay(c: Container, tenant: Tenant, n: int) -> list[int]:
    for _ in range(n):
        await c.audit.emit(
            SecurityEvent.create(
                EventType.USER_LOGIN_FAILED, clock=c.clock, tenant_id=tenant.id, actor=ADMIN
            )
        )
    relay = Relay(c.db, c.streams.sender, c.clock, node_id="n", policy=POLICY, tenants=[tenant.id])
    while await relay.run_once() > 0:
        pass
    found = await c.audit.search(EventQuery(tenant_id=tenant.id, limit=1000))
    return [item.seq for item in found]


async def test_lg01_splunk_hec_gets_every_event_with_its_token_header(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    token = _token()
    await container.streams.create(
        tenant.id, "splunk", StreamKind.SPLUNK, {"url": receiver.url, "index": "security"},
        actor=ADMIN, secret=token, from_start=True,
    )  # fmt: skip
    all_seqs = await _emit_and_relay(container, tenant, 4)
    # The relay's read of the token is itself audited, and delivered in a later batch.
    assert all(h["authorization"] == f"Splunk {token}" for h, _ in receiver.requests)
    bodies = [body.decode() for _, body in receiver.requests]
    events = [json.loads(line) for body in bodies for line in body.splitlines()]
    assert [e["event"]["seq"] for e in events] == all_seqs
    assert events[-1]["event"]["type"] == "secret.read"
    assert {e["index"] for e in events} == {"security"}
    assert all(e["source"] == "tier0" and isinstance(e["time"], float) for e in events)
    assert all(token not in body for body in bodies)  # LG-02: a header, never the payload


async def test_lg01_datadog_gets_every_event_with_its_api_key_header(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    key = _token()
    await container.streams.create(
        tenant.id, "dd", StreamKind.DATADOG, {"url": receiver.url, "service": "idp"},
        actor=ADMIN, secret=key, from_start=True,
    )  # fmt: skip
    all_seqs = await _emit_and_relay(container, tenant, 3)
    assert all(h["dd-api-key"] == key for h, _ in receiver.requests)
    items = [item for _, body in receiver.requests for item in json.loads(body)]
    assert [json.loads(item["message"])["seq"] for item in items] == all_seqs
    assert {(item["ddsource"], item["service"]) for item in items} == {("tier0", "idp")}
    assert all(key not in body.decode() for _, body in receiver.requests)


async def test_lg02_a_refusing_intake_is_retried_and_the_token_never_leaks(
    container: Container, tenant: Tenant, receiver: WebhookReceiver, clock: FrozenClock
) -> None:
    token = _token()
    receiver.status = 503
    await container.streams.create(
        tenant.id, "splunk", StreamKind.SPLUNK, {"url": receiver.url},
        actor=ADMIN, secret=token, from_start=True,
    )  # fmt: skip
    await _emit_and_relay(container, tenant, 1)
    stream = await container.streams.get(tenant.id, "splunk")
    assert stream.failures == 1 and stream.cursor == 0
    assert stream.last_error == "splunk answered HTTP 503"
    receiver.status = 200
    clock.advance(5)  # past the backoff
    seqs = await _emit_and_relay(container, tenant, 0)
    assert (await container.streams.get(tenant.id, "splunk")).cursor == seqs[-1]
    logged = await container.audit.search(EventQuery(tenant_id=tenant.id, limit=1000))
    assert token not in json.dumps([item.event.details for item in logged], default=str)
    assert token not in repr(stream)


async def test_siem_streams_need_a_token_and_https(container: Container, tenant: Tenant) -> None:
    with pytest.raises(InvalidInput, match="needs its token"):
        await container.streams.create(
            tenant.id, "s", StreamKind.SPLUNK, {"url": "https://hec.example"}, actor=ADMIN
        )
    with pytest.raises(InvalidInput, match="https"):
        await container.streams.create(
            tenant.id, "s", StreamKind.SPLUNK, {"url": "http://hec.example"}, actor=ADMIN,
            secret=_token(),
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="needs its token"):
        await container.streams.create(
            tenant.id, "d", StreamKind.DATADOG, {}, actor=ADMIN, secret="bad\r\ninjected"
        )
    stream, shown = await container.streams.create(
        tenant.id, "d", StreamKind.DATADOG, {}, actor=ADMIN, secret=_token()
    )
    assert stream.config == {"url": DATADOG_DEFAULT_URL}
    assert shown is not None  # the caller's own token comes back; the CLI does not print it
