"""The ``admin_new_ip`` detection rule on real management-API traffic: the application that
holds a management token is the tenant's administrator, and its changes carry its IP."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.flows.management.harness import Caller
from tier0.audit import Actor, EventType
from tier0.audit.store import EventQuery
from tier0.audit.streams import Relay, RelayPolicy, StreamKind
from tier0.container import Container


async def _alerts(c: Container, caller: Caller) -> list[EventType]:
    relay = Relay(
        c.db, c.streams.sender, c.clock, node_id="d", policy=RelayPolicy(batch=50),
        tenants=[caller.tenant.id],
    )  # fmt: skip
    while await relay.run_once():
        pass
    found = await c.audit.search(EventQuery(tenant_id=caller.tenant.id, limit=1000))
    return [item.event.type for item in found if item.event.type.startswith("alert.")]


def _from(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def test_management_changes_from_a_new_ip_raise_admin_new_ip(
    app: FastAPI, container: Container, caller: Caller
) -> None:
    limits = {"admin_new_ip": "1/86400"}
    await container.streams.create(
        caller.tenant.id, "rules", StreamKind.DETECT, limits, actor=Actor.system("test")
    )
    async with _from(app, "192.0.2.1") as office:
        headers = await caller.issued_headers(office)
        for name in ("first", "second"):
            created = await office.post(
                f"{caller.base}/roles", headers=headers, json={"name": name}
            )
            assert created.status_code == 201, created.text
    assert await _alerts(container, caller) == []  # the same IP again: normal traffic
    async with _from(app, "198.51.100.9") as elsewhere:
        created = await elsewhere.post(
            f"{caller.base}/roles", headers=headers, json={"name": "third"}
        )
        assert created.status_code == 201, created.text
    assert await _alerts(container, caller) == [EventType.ALERT_ADMIN_NEW_IP]
    [alert] = await container.audit.search(
        EventQuery(tenant_id=caller.tenant.id, types=[EventType.ALERT_ADMIN_NEW_IP])
    )
    assert alert.event.details["admin_id"] == caller.client_id
    assert alert.event.ip == "198.51.100.9"
