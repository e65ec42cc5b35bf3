"""The relay delivers every event at least once, in order, across crashes and nodes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import unique
from tests.unit.audit.receivers import SyslogListener, WebhookReceiver
from tier0.audit import Actor, Category, EventType, SecurityEvent
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Subject
from tier0.audit.store import EventQuery
from tier0.audit.streams import LogStream, Relay, RelayPolicy, Sender, StreamKind, StreamStatus
from tier0.audit.streams.senders import check_signature
from tier0.clock import FrozenClock, epoch
from tier0.container import Container
from tier0.domain import Tenant

ADMIN = Actor.admin("adm_1")
POLICY = RelayPolicy(batch=3, lease=timedelta(seconds=30), max_failures=3)


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    """A new tenant: seq 1 of its chain is its own creation."""
    return await container.tenants.create(unique("streams"), by=ChangedBy.cli())


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    await hook.start()
    yield hook
    await hook.stop()


async def _emit(c: Container, tenant: Tenant, n: int, event_type: EventType) -> None:
    for _ in range(n):
        await c.audit.emit(
            SecurityEvent.create(event_type, clock=c.clock, tenant_id=tenant.id, actor=ADMIN)
        )


def _relay(c: Container, tenant: Tenant, node: str) -> Relay:
    # The PostgreSQL database is shared by the session: each relay serves its test's tenant.
    return Relay(
        c.db, c.streams.sender, c.clock, node_id=node, policy=POLICY, events=c.audit,
        tenants=[tenant.id],
    )  # fmt: skip


async def _drain(relay: Relay) -> int:
    total = 0
    while (delivered := await relay.run_once()) > 0:
        total += delivered
    return total


async def _all_seqs(c: Container, tenant: Tenant) -> list[int]:
    found = await c.audit.search(EventQuery(tenant_id=tenant.id, limit=1000))
    return [item.seq for item in found]


async def test_webhook_gets_every_event_signed_in_order(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    stream, secret = await container.streams.create(
        tenant.id, "siem", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN, from_start=True
    )
    assert secret is not None
    await _emit(container, tenant, 7, EventType.USER_LOGIN_FAILED)
    # The tenant's and the stream's creation, the 7, and the relay's (audited) key read.
    assert await _drain(_relay(container, tenant, "a")) == 10
    assert receiver.seqs() == await _all_seqs(container, tenant)
    [read] = await container.audit.search(
        EventQuery(tenant_id=tenant.id, types=[EventType.SECRET_READ])
    )
    assert (read.event.actor.id, read.event.subject) == (
        "log-streams",
        Subject.of("secret", f"log-streams/{stream.id}"),
    )
    now = epoch(container.clock.now())
    for headers, body in receiver.requests:
        assert check_signature(secret.encode(), headers["tier0-signature"], body, now)
    first = json.loads(receiver.requests[0][1])[0]
    assert first["type"] == "management.tenants.created"
    assert first["category"] == "management.success"
    assert (await container.streams.get(tenant.id, "siem")).cursor == 10
    assert stream.cursor == 0


async def test_new_stream_starts_after_the_newest_event(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    await _emit(container, tenant, 4, EventType.USER_LOGIN_FAILED)
    stream, _ = await container.streams.create(
        tenant.id, "siem", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN
    )
    assert stream.cursor == 5  # the tenant's creation and four sign-ins
    await _emit(container, tenant, 1, EventType.USER_LOGIN_SUCCEEDED)
    await _drain(_relay(container, tenant, "a"))
    assert receiver.seqs() == [6, 7, 8]  # its creation event, the sign-in, the key's read


async def test_relay_killed_mid_delivery_loses_nothing(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    await container.streams.create(
        tenant.id, "siem", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN, from_start=True
    )
    await _emit(container, tenant, 5, EventType.USER_LOGIN_FAILED)
    receiver.hang = True  # the receiver takes the first batch and never answers
    first = asyncio.create_task(_relay(container, tenant, "node-1").run_once())
    await receiver.arrived.wait()
    first.cancel()  # the node dies mid-delivery
    with pytest.raises(asyncio.CancelledError):
        await first
    receiver.hang = False
    restarted = _relay(container, tenant, "node-2")
    assert await restarted.run_once() == 0  # the dead node's lease still holds the stream
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(POLICY.lease + timedelta(seconds=1))
    await _drain(restarted)
    seqs = receiver.seqs()
    assert seqs[:3] == [1, 2, 3]  # the batch in flight when the node died ...
    assert seqs[3:] == await _all_seqs(container, tenant)  # ... then everything, in order


async def test_two_relays_never_deliver_one_stream_twice(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    await container.streams.create(
        tenant.id, "siem", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN, from_start=True
    )
    await _emit(container, tenant, 2, EventType.USER_LOGIN_FAILED)
    one, two = _relay(container, tenant, "a"), _relay(container, tenant, "b")
    results = await asyncio.gather(one.run_once(), two.run_once())
    assert sorted(results) == [0, 3]
    assert receiver.seqs() == [1, 2, 3]


async def test_failures_back_off_then_dead_letter_then_replay(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    await container.streams.create(
        tenant.id, "siem", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN, from_start=True
    )
    receiver.status = 500
    relay = _relay(container, tenant, "a")
    assert await relay.run_once() == 0
    stream = await container.streams.get(tenant.id, "siem")
    assert (stream.failures, stream.status) == (1, StreamStatus.ACTIVE)
    assert stream.last_error == "webhook answered HTTP 500"
    assert stream.next_attempt_at == clock.now() + timedelta(seconds=1)
    attempts = len(receiver.requests)
    await relay.run_once()  # not due yet: no new attempt
    assert len(receiver.requests) == attempts
    clock.advance(1)
    await relay.run_once()
    assert (await container.streams.get(tenant.id, "siem")).next_attempt_at == clock.now() + (
        timedelta(seconds=2)
    )
    clock.advance(2)
    await relay.run_once()
    stream = await container.streams.get(tenant.id, "siem")
    assert (stream.failures, stream.status, stream.cursor) == (3, StreamStatus.DEAD, 0)
    dead = await container.audit.search(
        EventQuery(tenant_id=tenant.id, types=[EventType.LOG_STREAM_DEAD_LETTERED])
    )
    assert len(dead) == 1
    clock.advance(3600)
    await relay.run_once()
    assert len(receiver.requests) == 3  # a dead stream is left alone
    receiver.status = 200
    await container.streams.replay(tenant.id, "siem", after_seq=0, actor=ADMIN)
    await _drain(relay)
    # after the three refused attempts (seq 1, then seq 1 and the audited read of the key)
    refused = sum(len(json.loads(body)) for _, body in receiver.requests[:3])
    delivered = receiver.seqs()[refused:]
    assert delivered == await _all_seqs(container, tenant)
    assert (await container.streams.get(tenant.id, "siem")).status is StreamStatus.ACTIVE


async def test_category_filter_skips_but_advances(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    await container.streams.create(
        tenant.id, "fails", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN,
        categories=[Category.LOGIN_FAIL], from_start=True,
    )  # fmt: skip
    await _emit(container, tenant, 2, EventType.USER_LOGIN_SUCCEEDED)
    await _emit(container, tenant, 1, EventType.USER_LOGIN_PASSWORD_INCORRECT)
    # The cursor moved past all five, and past the relay's audited read of the key (6).
    assert await _drain(_relay(container, tenant, "a")) == 6
    assert receiver.seqs() == [5]
    assert (await container.streams.get(tenant.id, "fails")).cursor == 6


async def test_syslog_down_then_up_delivers_in_order(container: Container, tenant: Tenant) -> None:
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    listener = SyslogListener()
    await listener.start()
    port = listener.port
    await listener.stop()  # the SIEM is down
    await container.streams.create(
        tenant.id, "syslog", StreamKind.SYSLOG,
        {"host": "127.0.0.1", "port": str(port), "tls": "false"}, actor=ADMIN, from_start=True,
    )  # fmt: skip
    await _emit(container, tenant, 4, EventType.BRUTE_FORCE_BLOCKED)
    relay = _relay(container, tenant, "a")
    assert await relay.run_once() == 0
    assert (await container.streams.get(tenant.id, "syslog")).failures == 1
    await listener.start(port)  # back up
    clock.advance(1)
    try:
        await relay.run_once()  # one batch, then this node "restarts"
        await _drain(_relay(container, tenant, "b"))
        expected = await _all_seqs(container, tenant)
        for _ in range(100):
            if len(listener.messages) >= len(expected):
                break
            await asyncio.sleep(0.01)
        assert [r["seq"] for r in listener.records()] == expected
    finally:
        await listener.stop()


async def test_jsonl_stream_appends_lines(
    container: Container, tenant: Tenant, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    await container.streams.create(
        tenant.id, "file", StreamKind.JSONL, {"path": str(path)}, actor=ADMIN, from_start=True
    )
    await _emit(container, tenant, 2, EventType.KEY_ROTATED)
    await _drain(_relay(container, tenant, "a"))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4]
    assert lines[2]["auth0_type"] is None


async def test_a_crashing_sender_fails_its_stream_only(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    await container.streams.create(
        tenant.id, "good", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN, from_start=True
    )
    await container.streams.create(
        tenant.id, "broken", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN,
        from_start=True,
    )  # fmt: skip

    async def senders(stream: LogStream) -> Sender:
        if stream.name == "broken":
            raise RuntimeError("bug in a sender")
        return await container.streams.sender(stream)

    relay = Relay(
        container.db, senders, container.clock, node_id="a", policy=POLICY, tenants=[tenant.id]
    )
    await _drain(relay)
    broken = await container.streams.get(tenant.id, "broken")
    assert (broken.failures, broken.last_error) == (1, "unexpected RuntimeError")
    assert receiver.seqs() == [1, 2, 3, 4]  # 4: the good stream's audited read of its key


async def test_killed_relay_resumes_webhook_and_syslog_streams(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    """The relay cancelled mid-delivery (in process, with a frozen clock) resumes both
    streams; tests/flows/test_relay_kill.py does the same with SIGKILL of a relay process."""
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    listener = SyslogListener()
    await listener.start()
    syslog = {"host": "127.0.0.1", "port": str(listener.port), "tls": "false"}
    await container.streams.create(
        tenant.id, "a-syslog", StreamKind.SYSLOG, syslog, actor=ADMIN, from_start=True
    )
    await container.streams.create(
        tenant.id, "b-webhook", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN,
        from_start=True,
    )  # fmt: skip
    await _emit(container, tenant, 5, EventType.USER_LOGIN_FAILED)
    try:
        receiver.hang = True
        node = asyncio.create_task(_relay(container, tenant, "node-1").run_once())
        await receiver.arrived.wait()  # syslog got its first batch; the webhook is in flight
        node.cancel()
        with pytest.raises(asyncio.CancelledError):
            await node
        receiver.hang = False
        clock.advance(POLICY.lease + timedelta(seconds=1))
        await _drain(_relay(container, tenant, "node-2"))
        expected = await _all_seqs(container, tenant)
        for _ in range(100):
            if len(listener.messages) >= len(expected):
                break
            await asyncio.sleep(0.01)
        assert [r["seq"] for r in listener.records()] == expected
        webhook = receiver.seqs()
        assert webhook[: POLICY.batch] == expected[: POLICY.batch]  # the interrupted batch
        assert webhook[POLICY.batch :] == expected  # then everything again, in order
    finally:
        await listener.stop()
