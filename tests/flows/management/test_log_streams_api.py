"""``/log-streams`` writes: the same service as `tier0 stream`, with write-only secrets that
are sealed at rest and never answered, and every change audited with the calling client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import unique
from tests.flows.management.harness import Caller
from tests.unit.audit.receivers import WebhookReceiver
from tier0.audit import EventType, event_to_dict
from tier0.audit.store import EventQuery
from tier0.audit.streams import Relay
from tier0.audit.streams.senders import check_signature
from tier0.clock import epoch
from tier0.container import Container
from tier0.storage.sql.models.log_streams import LogStreamRow
from tier0.storage.sql.models.secrets import StoredSecretRow

FIRST_SECRET = "first-webhook-signing-secret-" + "a" * 16
SECOND_SECRET = "second-webhook-signing-secret-" + "b" * 16


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    await hook.start()
    yield hook
    await hook.stop()


async def _deliver(container: Container, caller: Caller) -> None:
    relay = Relay(
        container.db, container.streams.sender, container.clock, node_id=unique("node"),
        events=container.audit, tenants=[caller.tenant.id],
    )  # fmt: skip
    while await relay.run_once() > 0:
        pass


async def _sealed(container: Container, stream_id: str) -> bytes:
    """The newest sealed version of the stream's secret, in the secret store (issue 7)."""
    async with container.db.read() as uow:
        legacy = await uow.session.scalar(
            select(LogStreamRow.secret_sealed).where(LogStreamRow.id == stream_id)
        )
        sealed = await uow.session.scalar(
            select(StoredSecretRow.sealed)
            .where(StoredSecretRow.name == f"log-streams/{stream_id}")
            .order_by(StoredSecretRow.version.desc())
            .limit(1)
        )
    assert legacy is None and isinstance(sealed, bytes)
    return sealed


def _signed_with(receiver: WebhookReceiver, secret: str, now: int) -> bool:
    headers, body = receiver.requests[-1]
    return check_signature(secret.encode(), headers["tier0-signature"], body, now)


async def test_log_stream_secret_is_write_only_sealed_and_replaceable(
    client: httpx.AsyncClient, container: Container, caller: Caller, receiver: WebhookReceiver
) -> None:
    headers = await caller.issued_headers(client)
    created = await client.post(
        f"{caller.base}/log-streams",
        headers=headers,
        json={
            "name": "siem",
            "type": "webhook",
            "config": {"url": receiver.url},
            "filters": ["management.success"],
            "secret": FIRST_SECRET,
        },
    )
    assert created.status_code == 201, created.text
    stream = created.json()
    assert stream["filters"] == ["management.success"] and stream["status"] == "active"
    url = f"{caller.base}/log-streams/{stream['id']}"
    for answer in (created, await client.get(url, headers=headers)):
        assert "secret" not in answer.text.lower().replace("secret_", "")
        assert FIRST_SECRET not in answer.text
    first_sealed = await _sealed(container, stream["id"])
    assert FIRST_SECRET.encode() not in first_sealed
    now = epoch(container.clock.now())
    await _deliver(container, caller)
    assert _signed_with(receiver, FIRST_SECRET, now)

    patched = await client.patch(url, headers=headers, json={"secret": SECOND_SECRET})
    assert patched.status_code == 200 and SECOND_SECRET not in patched.text
    assert await _sealed(container, stream["id"]) != first_sealed
    await _deliver(container, caller)  # the update's own event goes out signed anew
    assert _signed_with(receiver, SECOND_SECRET, now)
    assert not _signed_with(receiver, FIRST_SECRET, now)
    events = await container.audit.search(
        EventQuery(tenant_id=caller.tenant.id, types=[EventType.MANAGEMENT_LOG_STREAMS_UPDATED])
    )
    assert [e.event.actor.id for e in events] == [caller.client_id]
    assert SECOND_SECRET not in json.dumps([event_to_dict(e.event) for e in events])


async def test_log_stream_update_pause_rename_and_delete(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    body = {"name": "archive", "type": "jsonl", "config": {"path": "/dev/null"}}
    created = (await client.post(f"{caller.base}/log-streams", headers=headers, json=body)).json()
    url = f"{caller.base}/log-streams/{created['id']}"
    paused = await client.patch(url, headers=headers, json={"status": "paused", "name": "cold"})
    assert paused.status_code == 200
    assert (paused.json()["status"], paused.json()["name"]) == ("paused", "cold")
    listed = (await client.get(f"{caller.base}/log-streams", headers=headers)).json()
    assert [(s["id"], s["status"]) for s in listed] == [(created["id"], "paused")]
    clash = await client.post(
        f"{caller.base}/log-streams", headers=headers, json={**body, "name": "cold"}
    )
    assert clash.status_code == 409
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "webhook", "config": {"url": "https://siem.example/h"}}, "webhook secret"),
        (
            {"type": "webhook", "config": {"url": "https://s.example/h"}, "secret": "short"},
            "webhook secret",
        ),
        ({"type": "webhook", "config": {"url": "http://s.test"}, "secret": FIRST_SECRET}, "https"),
        ({"type": "splunk", "config": {"url": "https://splunk.example"}}, "token"),
        ({"type": "jsonl", "config": {"path": "/dev/null"}, "secret": FIRST_SECRET}, "no secret"),
        ({"type": "jsonl", "config": {}, "status": "dead"}, "status"),
    ],
    ids=["webhook-without-secret", "short-secret", "plain-http", "splunk-without-token",
         "secret-for-jsonl", "unknown-field"],
)  # fmt: skip
async def test_log_stream_bad_writes_are_400_problems(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, object], message: str
) -> None:
    headers = await caller.issued_headers(client)
    response = await client.post(
        f"{caller.base}/log-streams", headers=headers, json={"name": "bad", **body}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert message in response.json()["message"]
    listed = (await client.get(f"{caller.base}/log-streams", headers=headers)).json()
    assert listed == []
