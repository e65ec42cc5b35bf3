"""Contract suite for the RefreshRotations port (the refresh grant's one-round-trip write
transaction), on SQLite always and PostgreSQL in CI. On SQLite it runs twice: the plain
``sqlite3`` version the server uses and the Core version PostgreSQL uses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.conftest import unique
from tests.contract.test_oauth_store import NOW, _refresh, _world
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor, SecurityEvent
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.domain.grants import ConsumedRefresh, Grant
from tier0.storage.sql.repos.rotation import SqlRefreshRotations
from tier0.storage.write_ports import RevokeFamily, RotateTo, RotationVerdict


class Rejected(Exception):
    """What the test judges raise to reject a rotation."""


@pytest.fixture
def rotations(container: Container, plain_sqlite: bool) -> SqlRefreshRotations:
    return SqlRefreshRotations(container.one_hop, plain_sqlite=plain_sqlite)


def _event(c: Container, grant: Grant, kind: EventType) -> SecurityEvent:
    return SecurityEvent.create(
        kind, clock=c.clock, tenant_id=grant.tenant_id, actor=Actor.user(grant.user_id)
    )


async def _seed(c: Container, grant: Grant, token_hash: str) -> None:
    async with c.db.transaction() as uow:
        await uow.refresh_tokens.add(_refresh(grant, token_hash))


def _rotating_to(
    c: Container, grant: Grant, successor: str, seen: list[ConsumedRefresh | None]
) -> Callable[[ConsumedRefresh | None], RotationVerdict]:
    """A judge that records what it was shown and rotates on first use only."""

    def judge(found: ConsumedRefresh | None) -> RotationVerdict:
        seen.append(found)
        if found is None or not found.first_use:
            raise Rejected
        row = _refresh(grant, successor, parent=found.token.token_hash)
        return RotateTo(row, _event(c, grant, EventType.TOKEN_REFRESHED))

    return judge


async def test_oa07_one_rotation_wins_under_concurrency_and_the_chain_holds(
    container: Container, rotations: SqlRefreshRotations, prefix: str
) -> None:
    """Twenty parallel rotations of one token: exactly one consumes it and writes a
    successor with its event; the tenant's audit chain stays intact (LG-03)."""
    tenant, _client, _user, grant = await _world(container)
    await _seed(container, grant, f"{prefix}rt-0")
    key = await container.audit.chain_key(tenant.id)
    seen: list[ConsumedRefresh | None] = []

    async def rotate(i: int) -> bool:
        judge = _rotating_to(container, grant, f"{prefix}rt-{i + 1}", seen)
        try:
            await rotations.rotate(tenant.id, f"{prefix}rt-0", NOW, key, judge)
        except Rejected:
            return False
        return True

    results = await asyncio.gather(*(rotate(i) for i in range(20)))
    assert results.count(True) == 1
    assert len(seen) == 20 and [f.first_use for f in seen if f].count(True) == 1
    assert all(f is not None and f.grant == grant and f.user_active for f in seen)
    winner = results.index(True) + 1
    async with container.db.read() as uow:
        live = await uow.refresh_tokens.list_for_user(tenant.id, grant.user_id)
    assert [t.token_hash for t in live] == [f"{prefix}rt-{winner}"]
    assert live[0].parent_hash == f"{prefix}rt-0"
    refreshed = await container.audit.search(
        EventQuery(tenant.id, types=(EventType.TOKEN_REFRESHED,))
    )
    assert len(refreshed) == 1
    assert (await container.audit.verify(tenant.id)).ok


async def test_what_is_read_and_written_matches_the_other_repositories(
    container: Container, rotations: SqlRefreshRotations, prefix: str
) -> None:
    """The judge sees the token and grant exactly as the repositories read them, and the
    successor reads back exactly as written (the plain version stores SQLAlchemy's
    formats, see also tests/unit/storage/test_sqlite_values.py)."""
    tenant, _client, _user, grant = await _world(container)
    await _seed(container, grant, f"{prefix}rt-v")
    key = await container.audit.chain_key(tenant.id)
    seen: list[ConsumedRefresh | None] = []
    verdict = await rotations.rotate(
        tenant.id, f"{prefix}rt-v", NOW, key, _rotating_to(container, grant, f"{prefix}rt-w", seen)
    )
    assert isinstance(verdict, RotateTo)
    async with container.db.read() as uow:
        consumed = await uow.refresh_tokens.get(tenant.id, f"{prefix}rt-v")
        successor = await uow.refresh_tokens.get(tenant.id, f"{prefix}rt-w")
        stored_grant = await uow.grants.get(tenant.id, grant.id)
    found = seen[0]
    assert found is not None and found.token == consumed and found.grant == stored_grant
    assert consumed is not None and consumed.consumed_at == NOW
    assert successor == verdict.successor


async def test_a_rejection_rolls_the_consumption_back(
    container: Container, rotations: SqlRefreshRotations, prefix: str
) -> None:
    tenant, _client, _user, grant = await _world(container)
    await _seed(container, grant, f"{prefix}rt-a")
    key = await container.audit.chain_key(tenant.id)
    seen: list[ConsumedRefresh | None] = []

    def reject(found: ConsumedRefresh | None) -> RotationVerdict:
        seen.append(found)
        raise Rejected

    for _ in range(2):
        with pytest.raises(Rejected):
            await rotations.rotate(tenant.id, f"{prefix}rt-a", NOW, key, reject)
    assert [f.first_use for f in seen if f] == [True, True]
    with pytest.raises(Rejected):
        await rotations.rotate(tenant.id, f"{prefix}unknown", NOW, key, reject)
    assert seen[-1] is None
    assert (
        await container.audit.search(EventQuery(tenant.id, types=(EventType.TOKEN_REFRESHED,)))
        == []
    )


async def test_the_judge_sees_a_revoked_grant_and_a_blocked_user(
    container: Container, rotations: SqlRefreshRotations, prefix: str
) -> None:
    tenant, _client, user, grant = await _world(container)
    await _seed(container, grant, f"{prefix}rt-b")
    key = await container.audit.chain_key(tenant.id)
    seen: list[ConsumedRefresh | None] = []

    def look(found: ConsumedRefresh | None) -> RotationVerdict:
        seen.append(found)
        raise Rejected

    await container.users.set_blocked(tenant, user.user_id, True, by=ChangedBy.cli())
    with pytest.raises(Rejected):
        await rotations.rotate(tenant.id, f"{prefix}rt-b", NOW, key, look)
    async with container.db.transaction() as uow:
        await uow.grants.revoke(tenant.id, grant.id, NOW)
    with pytest.raises(Rejected):
        await rotations.rotate(tenant.id, f"{prefix}rt-b", NOW, key, look)
    blocked, revoked = seen
    assert blocked is not None and not blocked.user_active
    assert revoked is not None and revoked.grant is not None
    assert revoked.grant.revoked_at == NOW


async def test_oa07_revoke_family_revokes_grant_and_tokens_with_its_event(
    container: Container, rotations: SqlRefreshRotations, prefix: str
) -> None:
    tenant, _client, _user, grant = await _world(container)
    await _seed(container, grant, f"{prefix}rt-c")
    await _seed(container, grant, f"{prefix}rt-d")
    key = await container.audit.chain_key(tenant.id)
    event = _event(container, grant, EventType.REFRESH_TOKEN_REUSED)
    verdict = await rotations.rotate(
        tenant.id, f"{prefix}rt-c", NOW, key, lambda _found: RevokeFamily(grant.id, event)
    )
    assert verdict.event == event
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
    seen: list[ConsumedRefresh | None] = []
    with pytest.raises(Rejected):  # tenants stay apart
        await rotations.rotate(
            other.id, f"{prefix}rt-d", NOW, key, _rotating_to(container, grant, f"{prefix}x", seen)
        )
    assert seen == [None]


async def test_a_verdict_for_another_tenant_is_refused_and_rolled_back(
    container: Container, rotations: SqlRefreshRotations, prefix: str
) -> None:
    tenant, _client, _user, grant = await _world(container)
    _other, _c, _u, foreign = await _world(container)
    await _seed(container, grant, f"{prefix}rt-e")
    key = await container.audit.chain_key(tenant.id)

    def cross(found: ConsumedRefresh | None) -> RotationVerdict:
        row = _refresh(foreign, f"{prefix}rt-f", parent=f"{prefix}rt-e")
        return RotateTo(row, _event(container, grant, EventType.TOKEN_REFRESHED))

    with pytest.raises(ValueError, match="another tenant"):
        await rotations.rotate(tenant.id, f"{prefix}rt-e", NOW, key, cross)
    async with container.db.read() as uow:
        token = await uow.refresh_tokens.get(tenant.id, f"{prefix}rt-e")
        assert await uow.refresh_tokens.get(foreign.tenant_id, f"{prefix}rt-f") is None
    assert token is not None and token.consumed_at is None
