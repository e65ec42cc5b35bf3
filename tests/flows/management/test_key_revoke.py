"""``PUT /keys/signing/{kid}/revoke``: one key leaves the JWKS at once and every token it
signed stops verifying, while the tenant keeps a working signer (JW-04)."""

from __future__ import annotations

import httpx

from tests.flows.management.harness import Caller
from tier0.audit import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container


async def _keys(
    client: httpx.AsyncClient, caller: Caller, headers: dict[str, str]
) -> dict[str, str]:
    listed = (await client.get(f"{caller.base}/keys/signing", headers=headers)).json()
    return {k["state"]: k["kid"] for k in listed if k["alg"] == "RS256" and k["published"]}


async def _jwks_kids(client: httpx.AsyncClient, caller: Caller) -> set[str]:
    jwks = (await client.get(f"/t/{caller.tenant.name}/.well-known/jwks.json")).json()
    return {k["kid"] for k in jwks["keys"]}


async def test_jw04_revoking_the_signing_key_stops_its_tokens_at_once(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)  # signed by the RS256 active key
    before = await _keys(client, caller, headers)
    revoked = await client.put(
        f"{caller.base}/keys/signing/{before['active']}/revoke", headers=headers
    )
    assert revoked.status_code == 200, revoked.text
    body = revoked.json()
    assert body["kid"] == before["active"] and body["activated"] == [before["next"]]
    assert before["active"] not in await _jwks_kids(client, caller)
    # The token it signed no longer verifies; a new one, signed by the promoted key, does.
    assert (await client.get(f"{caller.base}/users", headers=headers)).status_code == 401
    fresh = await caller.issued_headers(client)
    assert (await client.get(f"{caller.base}/users", headers=fresh)).status_code == 200
    after = await _keys(client, caller, fresh)
    assert after["active"] == before["next"] and after["next"] not in before.values()
    events = await container.audit.search(
        EventQuery(tenant_id=caller.tenant.id, types=[EventType.MANAGEMENT_SIGNING_KEYS_REVOKED])
    )
    assert [(e.event.actor.id, e.event.details["kid"]) for e in events] == [
        (caller.client_id, before["active"])
    ]


async def test_jw04_revoking_the_next_key_publishes_a_new_one_and_keeps_the_signer(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    before = await _keys(client, caller, headers)
    url = f"{caller.base}/keys/signing/{before['next']}/revoke"
    assert (await client.put(url, headers=headers)).status_code == 200
    after = await _keys(client, caller, headers)
    assert after["active"] == before["active"]  # the caller's own token still verifies
    assert after["next"] != before["next"]
    assert before["next"] not in await _jwks_kids(client, caller)
    # A withdrawn key cannot be revoked twice, and unknown kids are 404 problems.
    again = await client.put(url, headers=headers)
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    missing = await client.put(f"{caller.base}/keys/signing/nope/revoke", headers=headers)
    assert missing.status_code == 404
