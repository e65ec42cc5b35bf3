"""Contract suite for the RefreshRotation port (the refresh grant's two-round-trip write
transaction), on SQLite always and PostgreSQL in CI."""

from __future__ import annotations

import asyncio
import secrets

from tests.conftest import unique
from tests.contract.test_oauth_store import NOW, _refresh, _world
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor, SecurityEvent
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.domain.grants import Grant
from tier0.storage.sql.repos.rotation import SqlRefreshRotations

# Token and code hashes are primary keys in tables every test shares on PostgreSQL.
P = secrets.token_hex(5) + "-"


def _event(c: Container, grant: Grant, kind: EventType) -> SecurityEvent:
    return SecurityEvent.create(
        kind, clock=c.clock, tenant_id=grant.tenant_id, actor=Actor.user(grant.user_id)
    )


async def _seed(c: Container, grant: Grant, token_hash: str) -> None:
    async with c.db.transaction() as uow:
        await uow.refresh_tokens.add(_refresh(grant, token_hash))


async def test_oa07_one_rotation_wins_under_concurrency_and_the_chain_holds(
    container: Container,
) -> None:
    """Twenty parallel rotations of one token: exactly one consumes it and writes a
    successor with its event; the tenant's audit chain stays intact (LG-03)."""
    tenant, _client, _user, grant = await _world(container)
    await _seed(container, grant, f"{P}rt-0")
    rotations = SqlRefreshRotations(container.one_hop)
    key = await container.audit.chain_key(tenant.id)

    async def rotate(i: int) -> bool:
        async with rotations.transaction() as rotation:
            found = await rotation.consume(tenant.id, f"{P}rt-0", NOW)
            assert found is not None and found.grant == grant and found.user_active
            if found.first_use:
                successor = _refresh(grant, f"{P}rt-{i + 1}", parent=f"{P}rt-0")
                event = _event(container, grant, EventType.TOKEN_REFRESHED)
                await rotation.rotate(successor, event, key)
            return found.first_use

    results = await asyncio.gather(*(rotate(i) for i in range(20)))
    assert results.count(True) == 1
    winner = results.index(True) + 1
    async with container.db.read() as uow:
        live = await uow.refresh_tokens.list_for_user(tenant.id, grant.user_id)
    assert [t.token_hash for t in live] == [f"{P}rt-{winner}"]
    assert live[0].parent_hash == f"{P}rt-0"
    refreshed = await container.audit.search(
        EventQuery(tenant.id, types=(EventType.TOKEN_REFRESHED,))
    )
    assert len(refreshed) == 1
    assert (await container.audit.verify(tenant.id)).ok


async def test_leaving_without_rotating_rolls_the_consumption_back(container: Container) -> None:
    tenant, _client, _user, grant = await _world(container)
    await _seed(container, grant, f"{P}rt-a")
    rotations = SqlRefreshRotations(container.one_hop)
    async with rotations.transaction() as rotation:
        found = await rotation.consume(tenant.id, f"{P}rt-a", NOW)
        assert found is not None and found.first_use
    try:
        async with rotations.transaction() as rotation:
            assert (await rotation.consume(tenant.id, f"{P}rt-a", NOW)).first_use  # type: ignore[union-attr]
            raise LookupError("a rejected refresh")
    except LookupError:
        pass
    async with rotations.transaction() as rotation:
        again = await rotation.consume(tenant.id, f"{P}rt-a", NOW)
        assert again is not None and again.first_use
        assert await rotation.consume(tenant.id, "unknown", NOW) is None


async def test_consume_reports_a_revoked_grant_and_a_blocked_user(container: Container) -> None:
    tenant, _client, user, grant = await _world(container)
    await _seed(container, grant, f"{P}rt-b")
    await container.users.set_blocked(tenant, user.user_id, True, by=ChangedBy.cli())
    rotations = SqlRefreshRotations(container.one_hop)
    async with rotations.transaction() as rotation:
        found = await rotation.consume(tenant.id, f"{P}rt-b", NOW)
        assert found is not None and not found.user_active
    async with container.db.transaction() as uow:
        await uow.grants.revoke(tenant.id, grant.id, NOW)
    async with rotations.transaction() as rotation:
        found = await rotation.consume(tenant.id, f"{P}rt-b", NOW)
        assert found is not None and found.grant is not None
        assert found.grant.revoked_at == NOW


async def test_oa07_revoke_family_revokes_grant_and_tokens_with_its_event(
    container: Container,
) -> None:
    tenant, _client, _user, grant = await _world(container)
    await _seed(container, grant, f"{P}rt-c")
    await _seed(container, grant, f"{P}rt-d")
    rotations = SqlRefreshRotations(container.one_hop)
    key = await container.audit.chain_key(tenant.id)
    async with rotations.transaction() as rotation:
        await rotation.consume(tenant.id, f"{P}rt-c", NOW)
        event = _event(container, grant, EventType.REFRESH_TOKEN_REUSED)
        await rotation.revoke_family(tenant.id, grant.id, NOW, event, key)
    async with container.db.read() as uow:
        assert await uow.refresh_tokens.list_for_user(tenant.id, grant.user_id) == []
        stored = await uow.grants.get(tenant.id, grant.id)
    assert stored is not None and stored.revoked_at == NOW
    reused = await container.audit.search(
        EventQuery(tenant.id, types=(EventType.REFRESH_TOKEN_REUSED,))
    )
    assert [e.event.id for e in reused] == [event.id]
    assert (await container.audit.verify(tenant.id)).ok
    other = await container.tenants.create(unique(), by=ChangedBy.cli())
    async with rotations.transaction() as rotation:
        assert await rotation.consume(other.id, f"{P}rt-d", NOW) is None  # tenants stay apart
