"""Issue 7: log-stream secrets (webhook signing keys, SIEM tokens) live in the tenant's
versioned secret store as ``log-streams/<stream id>``; the relay's reads are audited
(``secret.read``, once per version per process), a new version is used by the next batch,
deleting the stream deletes its secret, and secrets sealed in ``log_streams`` by older
versions move into the store at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.conftest import unique
from tests.unit.audit.receivers import WebhookReceiver
from tier0.audit import Actor, EventType, SecurityEvent
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.audit.streams import Relay, RelayPolicy, StreamKind
from tier0.audit.streams.senders import check_signature
from tier0.clock import epoch
from tier0.container import Container
from tier0.crypto.aead import aad_for, seal
from tier0.domain import Tenant
from tier0.storage.sql.models import LogStreamRow

ADMIN = Actor.admin("adm_1")
POLICY = RelayPolicy(batch=50, lease=timedelta(seconds=30), max_failures=3)


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    return await container.tenants.create(unique("streams"), by=ChangedBy.cli())


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    await hook.start()
    yield hook
    await hook.stop()


async def relay_all(c: Container, tenant: Tenant) -> None:
    await c.audit.emit(
        SecurityEvent.create(
            EventType.USER_LOGIN_FAILED, clock=c.clock, tenant_id=tenant.id, actor=ADMIN
        )
    )
    relay = Relay(c.db, c.streams.sender, c.clock, node_id="n", policy=POLICY, tenants=[tenant.id])
    while await relay.run_once() > 0:
        pass


async def reads(c: Container, tenant: Tenant) -> list[tuple[str, object, str]]:
    found = await c.audit.search(EventQuery(tenant_id=tenant.id, types=[EventType.SECRET_READ]))
    return [
        (
            item.event.subject.id if item.event.subject else "",
            item.event.details["version"],
            item.event.actor.id or "",
        )
        for item in found
    ]


async def test_webhook_key_is_read_from_the_secret_store_audited_and_rotatable(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    stream, first = await container.streams.create(
        tenant.id, "siem", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN, from_start=True
    )
    assert first is not None
    name = f"log-streams/{stream.id}"
    await relay_all(container, tenant)
    assert await reads(container, tenant) == [(name, 1, "log-streams")]
    signed_so_far = len(receiver.requests)

    rotated = "r" * 40
    await container.secrets.put(tenant, name, rotated.encode(), actor=ADMIN)
    await relay_all(container, tenant)
    now = epoch(container.clock.now())
    old, new = receiver.requests[:signed_so_far], receiver.requests[signed_so_far:]
    assert new and all(
        check_signature(first.encode(), h["tier0-signature"], b, now) for h, b in old
    )
    assert all(check_signature(rotated.encode(), h["tier0-signature"], b, now) for h, b in new)
    assert await reads(container, tenant) == [
        (name, 1, "log-streams"),
        (name, 2, "log-streams"),
    ]


async def test_a_siem_token_lives_in_the_store_until_its_stream_is_deleted(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    token = "hec-" + unique("tok")
    stream, _ = await container.streams.create(
        tenant.id, "hec", StreamKind.SPLUNK, {"url": receiver.url}, actor=ADMIN,
        secret=token, from_start=True,
    )  # fmt: skip
    [info] = await container.secrets.list(tenant)
    assert (info.name, info.latest_version) == (f"log-streams/{stream.id}", 1)
    await relay_all(container, tenant)
    assert receiver.requests and all(
        h["authorization"] == f"Splunk {token}" for h, _ in receiver.requests
    )
    await container.streams.delete(tenant.id, "hec", actor=ADMIN)
    assert list(await container.secrets.list(tenant)) == []


async def test_a_secret_sealed_in_its_stream_row_moves_into_the_store(
    container: Container, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    secret = "s" * 40
    stream, _ = await container.streams.create(
        tenant.id, "old", StreamKind.WEBHOOK, {"url": receiver.url}, actor=ADMIN,
        secret=secret, from_start=True,
    )  # fmt: skip
    # As an older tier0 stored it: sealed in the row, nothing in the store.
    key = await container.keyring.subkey(tenant.id, "log-stream-secret")
    sealed = seal(
        key, secret.encode(), aad=aad_for(tenant.id, "log_streams", "secret_sealed", stream.id)
    )
    await container.secrets.delete(tenant, f"log-streams/{stream.id}", actor=ADMIN)
    async with container.db.engine.begin() as conn:
        await conn.execute(
            update(LogStreamRow).where(LogStreamRow.id == stream.id).values(secret_sealed=sealed)
        )
    await relay_all(container, tenant)  # still delivers, from the row
    assert await container.streams.move_legacy_secrets() >= 1
    async with container.db.read() as uow:
        assert await uow.streams.sealed_secret(stream.id) is None
    version, value = await container.secrets.get(tenant, f"log-streams/{stream.id}", actor=ADMIN)
    assert (version, value) == (1, secret.encode())
    before = len(receiver.requests)
    await relay_all(container, tenant)
    now = epoch(container.clock.now())
    assert len(receiver.requests) > before
    for headers, body in receiver.requests:
        assert check_signature(secret.encode(), headers["tier0-signature"], body, now)
