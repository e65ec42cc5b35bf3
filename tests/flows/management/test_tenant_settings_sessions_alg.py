"""``/api/v2/tenants/settings``: Auth0's ``idle_session_lifetime`` and ``session_lifetime``
(hours, SE-03) and the tenant's ``default_signing_alg`` (JW-01, JW-04)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.flows.management.harness import Caller, later
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container


async def _patch(client: httpx.AsyncClient, caller: Caller, body: dict[str, Any]) -> httpx.Response:
    headers = await caller.issued_headers(client)
    return await client.patch(f"{caller.base}/tenants/settings", headers=headers, json=body)


async def test_se03_tenant_session_lifetimes_default_then_set(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    current = (await client.get(f"{caller.base}/tenants/settings", headers=headers)).json()
    # The deployment's defaults: 1 hour idle, 24 hours absolute (SE-03).
    assert current["idle_session_lifetime"] == 1
    assert current["session_lifetime"] == 24
    changed = await _patch(client, caller, {"idle_session_lifetime": 0.5, "session_lifetime": 8})
    assert changed.status_code == 200, changed.text
    assert changed.json()["idle_session_lifetime"] == 0.5
    assert changed.json()["session_lifetime"] == 8
    assert changed.json()["signup_enabled"] is False  # untouched
    tenant = await container.tenants.get(caller.tenant.name)
    timeouts = container.sessions.policy.for_tenant(tenant)
    assert (timeouts.idle, timeouts.absolute) == (timedelta(minutes=30), timedelta(hours=8))
    again = await _patch(client, caller, {"idle_session_lifetime": 0.25})
    assert again.json()["idle_session_lifetime"] == 0.25
    assert again.json()["session_lifetime"] == 8


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"idle_session_lifetime": 25}, "idle_session_lifetime must be from 1 min to 24 h"),
        ({"session_lifetime": 721}, "session_lifetime must be from 5 min to 720 h"),
        ({"session_lifetime": 0.05}, "session_lifetime must be from 5 min"),
        ({"idle_session_lifetime": 2, "session_lifetime": 1}, "exceeds session_lifetime"),
        ({"idle_session_lifetime": 30}, "idle_session_lifetime"),
    ],
)
async def test_se03_out_of_range_lifetimes_are_refused_with_a_clear_error(
    client: httpx.AsyncClient,
    container: Container,
    caller: Caller,
    body: dict[str, Any],
    message: str,
) -> None:
    refused = await _patch(client, caller, {**body, "friendly_name": "Renamed"})
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert message in refused.text
    # One bad field changes nothing, the valid ones included.
    tenant = await container.tenants.get(caller.tenant.name)
    assert tenant.display_name != "Renamed" and "sessions" not in tenant.settings


@pytest.mark.parametrize(
    "body",
    [
        {"idle_session_lifetime": "1"},
        {"idle_session_lifetime": True},
        {"session_lifetime": 0},
        {"session_lifetime": -3},
        {"session_lifetime": None, "idle_session_lifetime": []},
    ],
)
async def test_se03_malformed_lifetimes_are_refused(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any]
) -> None:
    refused = await _patch(client, caller, body)
    assert refused.status_code == 400, refused.text


async def test_se03_an_idle_timeout_above_the_tenants_absolute_one_is_refused(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    assert (await _patch(client, caller, {"session_lifetime": 2})).status_code == 200
    refused = await _patch(client, caller, {"idle_session_lifetime": 3})
    assert refused.status_code == 400
    assert "idle_session_lifetime (3 h) exceeds session_lifetime (2 h)" in refused.text


async def test_se03_lifetime_changes_are_audited(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    assert (await _patch(client, caller, {"session_lifetime": 12})).status_code == 200
    found = await container.audit.search(
        EventQuery(tenant_id=caller.tenant.id, types=[EventType.MANAGEMENT_TENANTS_UPDATED])
    )
    assert any("settings.sessions" in str(logged.event) for logged in found)


async def test_jw01_default_signing_alg_is_published_before_it_signs(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    current = (await client.get(f"{caller.base}/tenants/settings", headers=headers)).json()
    assert current["default_signing_alg"] == "ES256"  # this deployment's TIER0_SIGNING_ALG
    jwks_url = f"/t/{caller.tenant.name}/.well-known/jwks.json"
    before = (await client.get(jwks_url)).json()["keys"]
    assert not [k for k in before if k.get("alg") == "EdDSA"]
    changed = await _patch(client, caller, {"default_signing_alg": "EdDSA"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["default_signing_alg"] == "EdDSA"
    # JW-04: an active key and its successor are in the JWKS at once; the key signs only
    # once every cached JWKS can hold it (the deployment's alg signs until then).
    after = (await client.get(jwks_url)).json()["keys"]
    assert len([k for k in after if k.get("crv") == "Ed25519"]) == 2
    assert not any("d" in k for k in after)
    ready = datetime.fromisoformat(changed.json()["default_signing_alg_from"])
    ttl = timedelta(seconds=container.settings.jwks_cache_ttl)
    assert ready == container.clock.now() + ttl
    tenant = await container.tenants.get(caller.tenant.name)
    assert container.tenant_settings.signing_alg(tenant) == "ES256"
    later(container, container.settings.jwks_cache_ttl)
    assert container.tenant_settings.signing_alg(tenant) == "EdDSA"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512", "es256", ""])
async def test_jw01_unknown_default_signing_algs_are_refused(
    client: httpx.AsyncClient, container: Container, caller: Caller, alg: str
) -> None:
    refused = await _patch(client, caller, {"default_signing_alg": alg})
    assert refused.status_code == 400, refused.text
    tenant = await container.tenants.get(caller.tenant.name)
    assert "signing" not in tenant.settings


async def test_jw01_a_stored_alg_outside_the_allow_list_is_never_used(
    container: Container, caller: Caller
) -> None:
    """Written around the API (an old row, a hand edit): ignored, never signed with."""
    tenant = await container.tenants.get(caller.tenant.name)
    tenant = await container.tenants.update_settings(
        tenant, {**tenant.settings, "signing": {"default_alg": "none"}}, by=ChangedBy.cli()
    )
    assert container.tenant_settings.signing_alg(tenant) == "ES256"
