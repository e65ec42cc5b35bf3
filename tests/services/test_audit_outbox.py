"""The outbox of the audit subsystem's own changes (issue #6, LG-01), on SQLite and
PostgreSQL: an emergency key rotation and its incident event, and a dead-lettered stream
and its event, commit together or not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.conftest import unique
from tests.outbox import REFUSED, refusing_event
from tests.unit.audit.receivers import WebhookReceiver
from tier0.audit import Actor
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.audit.streams import Relay, RelayPolicy, StreamKind, StreamStatus
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Tenant

OPERATOR = Actor.system("cli")


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    return await container.tenants.create(unique("auditbox"), by=ChangedBy.cli())


@pytest.fixture
async def failing_hook() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver(status=500)
    await hook.start()
    yield hook
    await hook.stop()


async def _types(c: Container, tenant: Tenant) -> list[EventType]:
    found = await c.audit.search(EventQuery(tenant_id=tenant.id, limit=1000))
    return [e.event.type for e in found]


async def test_lg01_emergency_rotation_commits_with_its_incident_event(
    container: Container, tenant: Tenant
) -> None:
    c = container
    await c.keys.ensure(tenant.id, by=ChangedBy.cli())
    keys = sorted((k.kid, k.state) for k in await c.keys.list(tenant.id))
    async with refusing_event(c, tenant.id, str(EventType.INCIDENT_KEYS_ROTATED)):
        with pytest.raises(REFUSED):
            await c.incident.rotate_keys(tenant.id, actor=OPERATOR)
    assert sorted((k.kid, k.state) for k in await c.keys.list(tenant.id)) == keys
    types = await _types(c, tenant)
    assert EventType.KEY_WITHDRAWN not in types
    assert EventType.INCIDENT_KEYS_ROTATED not in types
    await c.incident.rotate_keys(tenant.id, actor=OPERATOR)
    assert sorted((k.kid, k.state) for k in await c.keys.list(tenant.id)) != keys
    types = await _types(c, tenant)
    assert types[-2:] == [EventType.KEY_WITHDRAWN, EventType.INCIDENT_KEYS_ROTATED]


async def test_lg01_dead_lettering_commits_with_its_event(
    container: Container, tenant: Tenant, failing_hook: WebhookReceiver
) -> None:
    c = container
    await c.streams.create(
        tenant.id, "siem", StreamKind.WEBHOOK, {"url": failing_hook.url}, actor=OPERATOR,
        from_start=True,
    )  # fmt: skip
    policy = RelayPolicy(batch=10, lease=timedelta(seconds=30), max_failures=1)
    relay = Relay(
        c.db, c.streams.sender, c.clock, node_id="a", policy=policy, events=c.audit,
        tenants=[tenant.id],
    )  # fmt: skip
    kind = EventType.LOG_STREAM_DEAD_LETTERED
    async with refusing_event(c, tenant.id, str(kind)):
        with pytest.raises(REFUSED):
            await relay.run_once()
    stream = await c.streams.get(tenant.id, "siem")
    assert (stream.status, stream.failures) == (StreamStatus.ACTIVE, 0)
    assert kind not in await _types(c, tenant)
    assert isinstance(c.clock, FrozenClock)
    c.clock.advance(policy.lease + timedelta(seconds=1))  # the refused pass kept its lease
    assert await relay.run_once() == 0
    stream = await c.streams.get(tenant.id, "siem")
    assert (stream.status, stream.failures) == (StreamStatus.DEAD, 1)
    assert (await _types(c, tenant)).count(kind) == 1
