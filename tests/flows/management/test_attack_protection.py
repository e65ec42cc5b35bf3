"""Attack-protection policies through the management API: Auth0 documents, PATCH stored per
tenant in the database and enforced, validation as problem+json, audited changes, anomaly
IP blocks, and row-level security on the new table (AC-02)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import unique
from tests.flows.management.harness import Caller, later, make_caller
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.protection.assembly import build_attack_protection
from tier0.protection.documents import BruteForceProtectionUpdate
from tier0.services.protection_policies import GENERATION_BACKSTOP_S, ProtectionPolicies
from tier0.storage.sql.repos.protection import SqlProtectionRepo, StoredPolicies
from tier0.web.app import create_app

AP = "/attack-protection"


async def _patch(
    client: httpx.AsyncClient, caller: Caller, section: str, body: Any
) -> httpx.Response:
    return await client.patch(f"{caller.base}{AP}/{section}", headers=caller.headers(), json=body)


async def test_brute_force_defaults_patch_and_reset(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    url = f"{caller.base}{AP}/brute-force-protection"
    shown = (await client.get(url, headers=caller.headers())).json()
    assert shown == {
        "enabled": True,
        "shields": ["block", "user_notification"],
        "mode": "count_per_identifier_and_ip",
        "allowlist": [],
        "max_attempts": 10,
    }
    changed = await _patch(
        client, caller, "brute-force-protection", {"max_attempts": 3, "allowlist": ["10.1.2.3/8"]}
    )
    assert changed.status_code == 200
    assert changed.json() | {} == shown | {"max_attempts": 3, "allowlist": ["10.0.0.0/8"]}
    assert (await client.get(url, headers=caller.headers())).json()["max_attempts"] == 3
    # The limiter enforces the stored policy.
    policy = caller.container.protection.brute_force
    await policy.check(caller.tenant.name, "someone@example.com", "192.0.2.1")
    assert policy.policy(caller.tenant.name).max_attempts == 3
    reset = await _patch(client, caller, "brute-force-protection", {"max_attempts": None})
    assert reset.json()["max_attempts"] == 10 and reset.json()["allowlist"] == ["10.0.0.0/8"]


@pytest.mark.parametrize(
    ("section", "body"),
    [
        ("brute-force-protection", {"max_attempts": 0}),
        ("brute-force-protection", {"max_attempts": 101}),
        ("brute-force-protection", {"mode": "lock_everyone"}),
        ("brute-force-protection", {"allowlist": ["not-an-ip"]}),
        ("brute-force-protection", {"shields": ["admin_notification"]}),
        ("brute-force-protection", {"is_admin": True}),
        ("suspicious-ip-throttling", {"stage": {"pre-login": {"max_attempts": -1}}}),
        ("suspicious-ip-throttling", {"shields": ["admin_notification"]}),
        ("breached-password-detection", {"method": "enhanced"}),
        ("breached-password-detection", {"shields": ["block"]}),
        ("rate-limits", {"limits": {"token": {"ip": "lots"}}}),
        ("rate-limits", {"limits": {"nowhere": {"ip": "1/second"}}}),
    ],
)
async def test_invalid_settings_are_problem_json(
    client: httpx.AsyncClient, caller: Caller, section: str, body: Any
) -> None:
    before = (await client.get(f"{caller.base}{AP}/{section}", headers=caller.headers())).json()
    refused = await _patch(client, caller, section, body)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    after = (await client.get(f"{caller.base}{AP}/{section}", headers=caller.headers())).json()
    assert after == before


async def test_changes_are_audited_with_old_and_new_values(
    client: httpx.AsyncClient, caller: Caller, container: Container
) -> None:
    await _patch(client, caller, "suspicious-ip-throttling", {"allowlist": ["198.51.100.0/24"]})
    found = await container.audit.search(EventQuery(tenant_id=caller.tenant.id, limit=50))
    events = [
        e.event for e in found if e.event.type is EventType.MANAGEMENT_ATTACK_PROTECTION_UPDATED
    ]
    assert len(events) == 1
    details = events[0].details
    assert details["section"] == "suspicious-ip-throttling"
    changes = details["changes"]
    assert isinstance(changes, tuple)
    assert [dict(c) for c in changes if isinstance(c, Mapping)] == [
        {"field": "allowlist", "from": (), "to": ("198.51.100.0/24",)}
    ]
    assert events[0].actor.id == caller.client_id


async def test_policies_are_per_tenant(
    client: httpx.AsyncClient, caller: Caller, container: Container
) -> None:
    other = await make_caller(container, unique("other"))
    await _patch(client, caller, "brute-force-protection", {"enabled": False})
    mine = await client.get(f"{caller.base}{AP}/brute-force-protection", headers=caller.headers())
    theirs = await client.get(f"{other.base}{AP}/brute-force-protection", headers=other.headers())
    assert mine.json()["enabled"] is False and theirs.json()["enabled"] is True


async def test_suspicious_ip_stage_and_anomaly_unblock(
    client: httpx.AsyncClient, caller: Caller, container: Container
) -> None:
    two = {"stage": {"pre-login": {"max_attempts": 2, "rate": 60_000}}}
    changed = await _patch(client, caller, "suspicious-ip-throttling", two)
    assert changed.json()["stage"]["pre-login"] == {"max_attempts": 2, "rate": 60_000}
    assert changed.json()["stage"]["pre-user-registration"] == {"max_attempts": 50, "rate": 1200}
    ip = "203.0.113.9"
    url = f"{caller.base}/anomaly/blocks/ips/{ip}"
    assert (await client.get(url, headers=caller.headers())).status_code == 404
    sip = container.protection.suspicious_ip
    for who in ("a@example.com", "b@example.com"):
        await sip.record_login_failure(caller.tenant.name, ip, who)
    assert (await client.get(url, headers=caller.headers())).status_code == 200
    assert (await client.delete(url, headers=caller.headers())).status_code == 204
    assert (await client.get(url, headers=caller.headers())).status_code == 404
    assert (await client.delete(url, headers=caller.headers())).status_code == 404
    bad = await client.get(f"{caller.base}/anomaly/blocks/ips/not-an-ip", headers=caller.headers())
    assert bad.status_code == 400
    found = await container.audit.search(EventQuery(tenant_id=caller.tenant.id, limit=50))
    assert EventType.MANAGEMENT_BLOCKS_DELETED in [e.event.type for e in found]


async def test_breached_password_detection_can_be_lifted_per_stage(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    users = f"{caller.base}/users"

    async def create() -> httpx.Response:
        body = {"email": f"{unique('b')}@example.com", "password": "password1234"}
        return await client.post(users, headers=caller.headers(), json=body)

    refused = await create()
    assert refused.status_code == 400 and refused.json()["errorCode"] == "password_blocklisted"
    off: dict[str, Any] = {"stage": {"pre-user-registration": {"shields": []}}}
    shown = (await _patch(client, caller, "breached-password-detection", off)).json()
    assert shown["stage"] == {
        "pre-user-registration": {"shields": []},
        "pre-change-password": {"shields": ["block"]},
    }
    assert (await create()).status_code == 201


async def test_rate_limit_overrides_from_the_database_are_enforced(
    caller: Caller, container: Container
) -> None:
    limited = replace(container, protection=replace(container.protection, rate_limits_enabled=True))
    transport = httpx.ASGITransport(app=create_app(limited))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        body = {"limits": {"jwks": {"ip": "2/minute"}}}
        changed = await _patch(http, caller, "rate-limits", body)
        assert changed.status_code == 200
        assert changed.json()["limits"]["jwks"] == {"ip": "2/minute", "tenant": "12000/minute"}
        jwks = f"/t/{caller.tenant.name}/.well-known/jwks.json"
        statuses = [(await http.get(jwks)).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        default = {"limits": {"jwks": {"ip": "default"}}}
        assert (await _patch(http, caller, "rate-limits", default)).json()["limits"]["jwks"][
            "ip"
        ] == "20/second"


async def test_other_processes_see_a_change_within_the_cache_ttl(
    container: Container, caller: Caller, tmp_path: Path, clock: FrozenClock
) -> None:
    """A second container on the same database stands for another worker or node."""
    second = Container.build(container.settings, clock=clock)
    try:
        name = caller.tenant.name
        bf = second.protection.brute_force
        await bf.check(name, "x@example.com", "192.0.2.1")  # caches the defaults
        change = BruteForceProtectionUpdate(max_attempts=4)
        await container.protection_policies.update(
            caller.tenant, "brute-force-protection", change, by=ChangedBy.cli()
        )
        await bf.check(name, "x@example.com", "192.0.2.1")
        assert bf.policy(name).max_attempts == 10  # still cached over there
        later(container, int(container.settings.protection_policy_cache_ttl) + 1)
        await bf.check(name, "x@example.com", "192.0.2.1")
        assert bf.policy(name).max_attempts == 4
    finally:
        await second.close()


async def test_other_processes_see_a_change_through_the_directory_generation(
    container: Container, caller: Caller, clock: FrozenClock
) -> None:
    if container.generations is None:
        pytest.skip("PostgreSQL without Redis shares no generation: the TTL test covers it")
    second = Container.build(container.settings, clock=clock)
    try:
        name = caller.tenant.name
        bf = second.protection.brute_force
        await bf.check(name, "x@example.com", "192.0.2.1")  # caches the defaults
        change = BruteForceProtectionUpdate(max_attempts=4)
        await container.protection_policies.update(
            caller.tenant, "brute-force-protection", change, by=ChangedBy.cli()
        )
        later(container, 2)  # far less than the TTL: the generation says "changed"
        await bf.check(name, "x@example.com", "192.0.2.1")
        assert bf.policy(name).max_attempts == 4
    finally:
        await second.close()


async def test_ac02_rls_hides_other_tenants_policies(container: Container, caller: Caller) -> None:
    if container.db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature; SQLite relies on the filters")
    other = await make_caller(container, unique("other"))
    await container.protection_policies.update(
        caller.tenant,
        "brute-force-protection",
        BruteForceProtectionUpdate(max_attempts=5),
        by=ChangedBy.cli(),
    )
    role = f"tier0_rls_probe_{secrets.token_hex(4)}"
    engine = container.db.engine
    query = text("SELECT count(*) FROM attack_protection_policies WHERE tenant_id = :t")
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        await conn.execute(text(f'GRANT SELECT ON attack_protection_policies TO "{role}"'))
    try:
        async with engine.connect() as conn, conn.begin():
            await conn.execute(text(f'SET LOCAL ROLE "{role}"'))
            setting = text("SELECT set_config('tier0.tenant_id', :t, true)")
            await conn.execute(setting, {"t": other.tenant.id})
            assert (await conn.execute(query, {"t": caller.tenant.id})).scalar_one() == 0
            await conn.execute(setting, {"t": caller.tenant.id})
            assert (await conn.execute(query, {"t": caller.tenant.id})).scalar_one() == 1
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP OWNED BY "{role}"'))
            await conn.execute(text(f'DROP ROLE "{role}"'))


async def test_with_a_shared_generation_an_unchanged_policy_is_reread_after_a_minute(
    container: Container, caller: Caller, clock: FrozenClock
) -> None:
    """The generation announces every change, so the TTL re-read (a database read per
    tenant every 10 s) is only a backstop for a lost bump: a minute, as the directory
    cache's. A generation that never moves stands for the lost bump here."""

    async def steady() -> int:
        return 1

    other = build_attack_protection(container.settings, clock)
    second = ProtectionPolicies(
        container.db, clock, other, container.protection_policies._changes, generation=steady
    )
    name = caller.tenant.name
    await second.refresh(name)
    assert other.brute_force.policy(name).max_attempts == 10
    change = BruteForceProtectionUpdate(max_attempts=4)
    await container.protection_policies.update(
        caller.tenant, "brute-force-protection", change, by=ChangedBy.cli()
    )
    later(container, int(container.settings.protection_policy_cache_ttl) + 1)
    await second.refresh(name)
    assert other.brute_force.policy(name).max_attempts == 10  # the bump never arrived
    later(container, int(GENERATION_BACKSTOP_S))
    await second.refresh(name)
    assert other.brute_force.policy(name).max_attempts == 4


async def test_concurrent_misses_share_one_policy_read(
    container: Container, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold or expired tenant entry is missed by every request in flight at once; one of
    them reads the policies (on SQLite each read is a connection and a thread of its own)."""
    reads: list[str] = []
    real = SqlProtectionRepo.by_tenant_name

    async def counted(repo: SqlProtectionRepo, name: str) -> StoredPolicies | None:
        reads.append(name)
        await asyncio.sleep(0.01)  # the read takes a while: the others arrive meanwhile
        return await real(repo, name)

    monkeypatch.setattr(SqlProtectionRepo, "by_tenant_name", counted)
    policies, name = container.protection_policies, caller.tenant.name
    policies.invalidate(name)
    await asyncio.gather(*(policies.refresh(name) for _ in range(16)))
    assert reads == [name]
    assert policies.fresh(name, container.clock.now().timestamp())
    later(container, int(GENERATION_BACKSTOP_S) + 1)  # expired, with a generation or not
    await asyncio.gather(*(policies.refresh(name) for _ in range(16)))
    assert reads == [name, name]


async def test_a_policy_read_that_began_before_a_change_does_not_undo_it(
    container: Container, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reload under way when a change commits read the old row: it neither serves the
    requests that come after the change nor installs what it read over the new policy."""
    entered, gate = asyncio.Event(), asyncio.Event()
    real = SqlProtectionRepo.by_tenant_name

    async def slow_first(repo: SqlProtectionRepo, name: str) -> StoredPolicies | None:
        stored = await real(repo, name)
        if not entered.is_set():
            entered.set()
            await gate.wait()  # the old row, handed back only after the change below
        return stored

    monkeypatch.setattr(SqlProtectionRepo, "by_tenant_name", slow_first)
    policies, name = container.protection_policies, caller.tenant.name
    policies.invalidate(name)
    before = asyncio.create_task(policies.refresh(name))
    await entered.wait()
    change = BruteForceProtectionUpdate(max_attempts=4)
    await policies.update(caller.tenant, "brute-force-protection", change, by=ChangedBy.cli())
    await policies.refresh(name)  # after the change: a read of its own
    assert container.protection.brute_force.policy(name).max_attempts == 4
    gate.set()
    await before
    assert container.protection.brute_force.policy(name).max_attempts == 4
