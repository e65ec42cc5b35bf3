"""/keys/signing (JW-04 rotation over the API) and the audit trail of management changes
(AC-05: every change is recorded with its actor, and no secret or personal datum)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx

from tests.flows.management.harness import Caller, later
from tier0.audit import EventType, event_to_dict
from tier0.audit.store import EventQuery
from tier0.container import Container


async def test_jw04_rotation_waits_for_the_next_key_and_keeps_old_tokens_valid(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    everything = (await client.get(f"{caller.base}/keys/signing", headers=headers)).json()
    # Management tokens are signed with the API's alg (RS256); rotate that one.
    listed = [k for k in everything if k["alg"] == "RS256"]
    assert sorted(k["state"] for k in listed) == ["active", "next"]
    assert all(set(k) & {"d", "p", "q", "private_jwk"} == set() for k in listed)
    rotate = f"{caller.base}/keys/signing/rotate"
    early = (await client.post(rotate, headers=headers, json={"alg": "RS256"})).json()
    assert early["activated"] == [] and early["ready_at"] is not None
    later(container, container.settings.jwks_cache_ttl + 1)
    headers = await caller.issued_headers(client)
    promoted = (await client.post(rotate, headers=headers, json={"alg": "RS256"})).json()
    next_kid = next(k["kid"] for k in listed if k["state"] == "next")
    assert promoted["activated"] == [next_kid]
    # The retired key stays published, so a token it signed still works.
    assert (await client.get(f"{caller.base}/keys/signing", headers=headers)).status_code == 200
    one = await client.get(f"{caller.base}/keys/signing/{next_kid}", headers=headers)
    assert one.json()["current"] is True
    assert (
        await client.get(f"{caller.base}/keys/signing/nope", headers=headers)
    ).status_code == 404


async def test_jw04_emergency_rotation_withdraws_keys_at_once(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    withdrawn = await client.post(
        f"{caller.base}/keys/signing/emergency-rotate", headers=headers, json={"alg": "RS256"}
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["emergency"] is True
    # The token was signed by a withdrawn key: it no longer verifies.
    assert (await client.get(f"{caller.base}/users", headers=headers)).status_code == 401
    fresh = await caller.issued_headers(client)
    assert (await client.get(f"{caller.base}/users", headers=fresh)).status_code == 200
    events = await container.audit.search(
        EventQuery(tenant_id=caller.tenant.id, types=[EventType.KEY_WITHDRAWN])
    )
    assert [e.event.actor.id for e in events] == [caller.client_id]


def _changes(details: Mapping[str, object]) -> dict[object, tuple[object, object]]:
    """``details.changes`` as field -> (before, after)."""
    changes = details["changes"]
    assert isinstance(changes, list | tuple)
    return {c["field"]: (c["from"], c["to"]) for c in changes}


async def test_ac05_management_changes_record_old_and_new_values_but_no_secret(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    created = await client.post(
        f"{caller.base}/users",
        headers=headers,
        json={"email": "secret-person@example.com", "password": "canary-password-123456"},
    )
    user_id = created.json()["user_id"]
    await client.patch(f"{caller.base}/users/{user_id}", headers=headers, json={"blocked": True})
    app = await client.post(
        f"{caller.base}/clients",
        headers=headers,
        json={"name": "audited", "app_type": "regular_web"},
    )
    secret = app.json()["client_secret"]
    await client.post(
        f"{caller.base}/clients/{app.json()['client_id']}/rotate-secret", headers=headers
    )
    logged = await container.audit.search(EventQuery(tenant_id=caller.tenant.id, limit=100))
    by_type = {e.event.type: e.event for e in logged}
    created_event = by_type[EventType.MANAGEMENT_USERS_CREATED]
    assert created_event.actor.id == caller.client_id
    assert created_event.client_id == caller.client_id
    assert created_event.details["via"] == "management_api"
    assert created_event.subject is not None and created_event.subject.id == user_id
    user_changes = _changes(created_event.details)
    # Personal data and the password: only that they were set.
    assert user_changes["email"] == (None, "[redacted]")
    assert user_changes["password"] == (None, "[redacted]")
    assert user_changes["blocked"] == (None, False)
    assert _changes(by_type[EventType.MANAGEMENT_USERS_UPDATED].details) == {
        "blocked": (False, True)
    }
    app_created = _changes(by_type[EventType.MANAGEMENT_APPLICATIONS_CREATED].details)
    assert app_created["name"] == (None, "audited")
    assert app_created["client_secret"] == (None, "[redacted]")
    rotated = by_type[EventType.MANAGEMENT_APPLICATIONS_SECRET_ROTATED]
    assert _changes(rotated.details) == {"client_secret": ("[redacted]", "[redacted]")}
    dumped = json.dumps([event_to_dict(e.event) for e in logged])
    for canary in ("secret-person", "canary-password-123456", secret):
        assert canary not in dumped


async def test_lg01_logs_are_searchable_by_type_user_and_cursor(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    for i in range(3):
        await client.post(
            f"{caller.base}/users", headers=headers, json={"email": f"l{i}@example.com"}
        )
    users = (await client.get(f"{caller.base}/users", headers=headers)).json()
    newest = (await client.get(f"{caller.base}/logs?take=2", headers=headers)).json()
    assert len(newest) == 2 and newest[0]["seq"] > newest[1]["seq"]
    created = (
        await client.get(
            f"{caller.base}/logs", params={"type": "management.users.created"}, headers=headers
        )
    ).json()
    assert len(created) == 3
    assert {log["actor"]["id"] for log in created} == {caller.client_id}
    assert all(log["auth0_type"] == "sapi" for log in created)
    first_seq = min(log["seq"] for log in created)
    after = (
        await client.get(f"{caller.base}/logs", params={"from": str(first_seq)}, headers=headers)
    ).json()
    assert [log["seq"] for log in after] == sorted(log["seq"] for log in after)
    assert all(log["seq"] > first_seq for log in after)
    mine = (
        await client.get(f"{caller.base}/users/{users[0]['user_id']}/logs", headers=headers)
    ).json()
    assert [log["type"] for log in mine] == ["management.users.created"]
    bad = await client.get(f"{caller.base}/logs", params={"type": "no.such.type"}, headers=headers)
    assert bad.status_code == 400


async def test_log_streams_are_listed_without_their_secret(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    from tier0.audit.event import Actor
    from tier0.audit.streams.model import StreamKind

    stream, secret = await container.streams.create(
        caller.tenant.id,
        "siem",
        StreamKind.WEBHOOK,
        {"url": "https://siem.example.test/hook"},
        actor=Actor.system("test"),
    )
    headers = await caller.issued_headers(client)
    listed = await client.get(f"{caller.base}/log-streams", headers=headers)
    assert listed.status_code == 200
    assert [(s["id"], s["type"], s["config"]) for s in listed.json()] == [
        (stream.id, "webhook", {"url": "https://siem.example.test/hook"})
    ]
    assert secret is not None and secret not in listed.text
