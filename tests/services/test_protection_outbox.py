"""The outbox of attack protection and bulk jobs (issue #6, LG-01), on SQLite and PostgreSQL.

Database changes (a policy, a job) commit with their event or not at all: a trigger that
refuses the event must leave the change undone. Lifting a block changes the counter store,
which shares no transaction with the events table, so the event is committed first and the
lift follows (write-ahead): a refused event must leave the block in force, and a spent
unblock link must stay unspent.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from tests.conftest import unique
from tests.outbox import REFUSED, refusing, refusing_event
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.domain import Tenant, User
from tier0.protection.documents import BruteForceProtectionUpdate, SuspiciousIpThrottlingUpdate
from tier0.services.users import UserSpec

OPERATOR = ChangedBy.cli()
IP = "203.0.113.77"


@dataclass
class World:
    c: Container
    tenant: Tenant
    user: User


@pytest.fixture
async def world(container: Container) -> World:
    tenant = await container.tenants.create(unique("outbox"), by=OPERATOR)
    user = await container.users.create(
        tenant, UserSpec(email=f"{unique('u')}@example.com"), by=OPERATOR
    )
    return World(container, tenant, user)


async def _types(w: World) -> list[EventType]:
    found = await w.c.audit.search(EventQuery(tenant_id=w.tenant.id, limit=1000))
    return [e.event.type for e in found]


async def _block(w: World) -> None:
    """Fail the user's password from one IP until brute-force protection blocks it."""
    policy = w.c.protection.brute_force.policy(w.tenant.name)
    for _ in range(policy.max_attempts):
        await w.c.protection.brute_force.record_failure(w.tenant.name, w.user.email, IP)
    assert [b.ip for b in await w.c.protection_blocks.user_blocks(w.tenant, w.user.user_id)] == [IP]


async def _throttle(w: World) -> None:
    one = SuspiciousIpThrottlingUpdate.model_validate({"stage": {"pre-login": {"max_attempts": 1}}})
    await w.c.protection_policies.update(w.tenant, "suspicious-ip-throttling", one, by=OPERATOR)
    await w.c.protection.suspicious_ip.record_login_failure(w.tenant.name, IP, "x@example.com")
    assert await w.c.protection_blocks.ip_throttled(w.tenant, IP)


async def test_lg01_policy_change_and_its_event_commit_together(world: World) -> None:
    policies, kind = world.c.protection_policies, EventType.MANAGEMENT_ATTACK_PROTECTION_UPDATED
    change = BruteForceProtectionUpdate(max_attempts=4)
    before = await policies.show(world.tenant, "brute-force-protection")
    async with refusing_event(world.c, world.tenant.id, str(kind)):
        with pytest.raises(REFUSED):
            await policies.update(world.tenant, "brute-force-protection", change, by=OPERATOR)
    assert await policies.show(world.tenant, "brute-force-protection") == before
    assert kind not in await _types(world)
    # A policy row that cannot be written leaves no event either.
    async with refusing(world.c, world.tenant.id, "attack_protection_policies"):
        with pytest.raises(REFUSED):
            await policies.update(world.tenant, "brute-force-protection", change, by=OPERATOR)
    assert kind not in await _types(world)
    await policies.update(world.tenant, "brute-force-protection", change, by=OPERATOR)
    assert (await policies.show(world.tenant, "brute-force-protection"))["max_attempts"] == 4
    assert (await _types(world)).count(kind) == 1
    assert (await world.c.audit.verify(world.tenant.id)).ok


async def _jobs(w: World) -> int:
    async with w.c.db.engine.connect() as conn:
        query = text("SELECT count(*) FROM jobs WHERE tenant_id = :t")
        return int((await conn.execute(query, {"t": w.tenant.id})).scalar_one())


async def test_lg01_a_job_is_created_with_its_event_or_not_at_all(world: World) -> None:
    jobs, kind = world.c.jobs, EventType.MANAGEMENT_JOBS_CREATED
    options: dict[str, object] = {"format": "json", "fields": [], "limit": None}
    async with refusing_event(world.c, world.tenant.id, str(kind)):
        with pytest.raises(REFUSED):
            await jobs.create_export(world.tenant, options=options, by=OPERATOR)
    assert await _jobs(world) == 0
    assert kind not in await _types(world)
    job = await jobs.create_export(world.tenant, options=options, by=OPERATOR)
    assert await _jobs(world) == 1
    found = await world.c.audit.search(EventQuery(tenant_id=world.tenant.id, types=[kind]))
    assert [e.event.subject.id for e in found if e.event.subject] == [job.id]


async def test_lg01_an_unblock_whose_event_is_refused_lifts_nothing(world: World) -> None:
    blocks, kind = world.c.protection_blocks, EventType.BRUTE_FORCE_UNBLOCKED
    await _block(world)
    async with refusing_event(world.c, world.tenant.id, str(kind)):
        with pytest.raises(REFUSED):
            await blocks.unblock_user(world.tenant, world.user.user_id, by=OPERATOR)
    assert len(await blocks.user_blocks(world.tenant, world.user.user_id)) == 1
    assert kind not in await _types(world)
    lifted = await blocks.unblock_user(world.tenant, world.user.user_id, by=OPERATOR)
    assert [b.ip for b in lifted] == [IP]
    assert await blocks.user_blocks(world.tenant, world.user.user_id) == []
    [event] = await world.c.audit.search(EventQuery(tenant_id=world.tenant.id, types=[kind]))
    assert dict(event.event.details) == {"via": "cli", "lifted": 1, "ips": (IP,)}


async def test_lg01_an_ip_unthrottle_whose_event_is_refused_changes_nothing(
    world: World,
) -> None:
    blocks, kind = world.c.protection_blocks, EventType.MANAGEMENT_BLOCKS_DELETED
    await _throttle(world)
    async with refusing_event(world.c, world.tenant.id, str(kind)):
        with pytest.raises(REFUSED):
            await blocks.unblock_ip(world.tenant, IP, by=OPERATOR)
    assert await blocks.ip_throttled(world.tenant, IP)
    assert kind not in await _types(world)
    assert await blocks.unblock_ip(world.tenant, IP, by=OPERATOR)
    assert not await blocks.ip_throttled(world.tenant, IP)
    assert not await blocks.unblock_ip(world.tenant, IP, by=OPERATOR)  # nothing, no event
    assert (await _types(world)).count(kind) == 1


async def test_lg01_an_unblock_link_whose_event_is_refused_stays_unspent(world: World) -> None:
    blocks, kind = world.c.protection_blocks, EventType.BRUTE_FORCE_UNBLOCKED
    await _block(world)
    link = await blocks.issue_link(world.tenant, world.user, IP)
    ticket = link.rsplit("=", 1)[1]
    async with refusing_event(world.c, world.tenant.id, str(kind)):
        with pytest.raises(REFUSED):
            await blocks.redeem(world.tenant, ticket, ip="198.51.100.9", user_agent="ua")
    assert await blocks.ticket_is_live(world.tenant, ticket)
    assert len(await blocks.user_blocks(world.tenant, world.user.user_id)) == 1
    done = await blocks.redeem(world.tenant, ticket, ip="198.51.100.9", user_agent="ua")
    assert done is not None and done.lifted == 1
    assert await blocks.user_blocks(world.tenant, world.user.user_id) == []
    [event] = await world.c.audit.search(EventQuery(tenant_id=world.tenant.id, types=[kind]))
    assert event.event.actor.id == world.user.user_id
    assert event.event.ip == "198.51.100.9"
    assert dict(event.event.details) == {"via": "unblock_link", "lifted": 1, "ips": (IP,)}
