"""Events stored in the same transaction as the change, chained per tenant (LG-01, LG-03).

Runs on a real SQLite file, and on PostgreSQL when TIER0_TEST_POSTGRES_URL is set (the
shared ``container`` fixture).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import skip_or_fail, unique
from tier0.audit import Actor, EventType, Problem, SecurityEvent, Subject
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Tenant
from tier0.settings import Settings
from tier0.storage.sql.grants import audit_grants

PG_URL = os.environ.get("TIER0_TEST_POSTGRES_URL")


async def _admin(sql: str) -> None:
    admin = create_async_engine(PG_URL or "", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await admin.dispose()


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    """A new tenant: its chain starts with its own creation (seq 1)."""
    return await container.tenants.create(unique("audit"), by=ChangedBy.cli())


def _event(
    c: Container, tenant: Tenant, event_type: EventType = EventType.TOKEN_ISSUED, **details: object
) -> SecurityEvent:
    return SecurityEvent.create(
        event_type,
        clock=c.clock,
        tenant_id=tenant.id,
        actor=Actor.user("usr_1"),
        subject=Subject("user", "usr_1"),
        ip="203.0.113.9",
        details=details,
    )


async def _execute(c: Container, sql: str, **params: object) -> None:
    async with c.db.engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_lg01_event_commits_with_the_change(container: Container, tenant: Tenant) -> None:
    async with container.db.transaction() as uow:
        await container.audit.record(uow, _event(container, tenant, n=1))
    found = await container.audit.search(EventQuery(tenant_id=tenant.id))
    assert [item.seq for item in found] == [1, 2]
    assert found[1].event.details == {"n": 1}


async def test_lg01_event_rolls_back_with_the_change(container: Container, tenant: Tenant) -> None:
    with pytest.raises(RuntimeError, match="change failed"):
        async with container.db.transaction() as uow:
            await container.audit.record(uow, _event(container, tenant))
            raise RuntimeError("change failed")
    found = await container.audit.search(EventQuery(tenant_id=tenant.id))
    assert [item.event.type for item in found] == [EventType.MANAGEMENT_TENANTS_CREATED]
    await container.audit.emit(_event(container, tenant))
    found = await container.audit.search(EventQuery(tenant_id=tenant.id))
    assert [item.seq for item in found] == [1, 2]  # the rolled-back event left no gap


async def test_lg03_chain_of_many_events_verifies(container: Container, tenant: Tenant) -> None:
    async with container.db.transaction() as uow:
        for n in range(3):  # several events in one transaction
            await container.audit.record(uow, _event(container, tenant, n=n))
    await asyncio.gather(*(container.audit.emit(_event(container, tenant, n=n)) for n in range(12)))
    verdict = await container.audit.verify(tenant.id)
    assert verdict.ok, verdict.describe()
    assert verdict.checked == 16  # and the tenant's creation
    assert verdict.head.seq == 16


async def test_tenants_have_separate_chains(container: Container, tenant: Tenant) -> None:
    other = await container.tenants.create(unique("other"), by=ChangedBy.cli())
    await container.audit.emit(_event(container, tenant))
    await container.audit.emit(_event(container, other))
    await container.audit.emit(_event(container, other))
    assert (await container.audit.verify(tenant.id)).head.seq == 2  # creation + 1
    assert (await container.audit.verify(other.id)).head.seq == 3
    found = await container.audit.search(EventQuery(tenant_id=tenant.id))
    assert {item.event.tenant_id for item in found} == {tenant.id}


async def _five(c: Container, tenant: Tenant) -> None:
    for n in range(5):
        await c.audit.emit(_event(c, tenant, n=n))


async def test_lg03_verify_names_an_edited_row(container: Container, tenant: Tenant) -> None:
    await _five(container, tenant)
    payload_sql = "SELECT payload FROM events WHERE tenant_id = :t AND seq = 3"
    async with container.db.engine.connect() as conn:
        payload = (await conn.execute(text(payload_sql), {"t": tenant.id})).scalar_one()
    edited = bytes(payload).replace(b'"n":1', b'"n":9')  # seq 1 is the tenant's creation
    await _execute(
        container, "UPDATE events SET payload = :p WHERE tenant_id = :t AND seq = 3",
        p=edited, t=tenant.id,
    )  # fmt: skip
    verdict = await container.audit.verify(tenant.id)
    assert (verdict.problem, verdict.seq) == (Problem.ALTERED, 3)


async def test_lg03_verify_names_an_edited_search_column(
    container: Container, tenant: Tenant
) -> None:
    await _five(container, tenant)
    await _execute(
        container, "UPDATE events SET type = 'key.rotated' WHERE tenant_id = :t AND seq = 4",
        t=tenant.id,
    )  # fmt: skip
    verdict = await container.audit.verify(tenant.id)
    assert (verdict.problem, verdict.seq) == (Problem.ALTERED, 4)


async def test_lg03_verify_names_a_deleted_row(container: Container, tenant: Tenant) -> None:
    await _five(container, tenant)
    await _execute(container, "DELETE FROM events WHERE tenant_id = :t AND seq = 2", t=tenant.id)
    verdict = await container.audit.verify(tenant.id)
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 2)


async def test_lg03_verify_names_swapped_rows(container: Container, tenant: Tenant) -> None:
    await _five(container, tenant)
    for old, new in ((2, -2), (4, 2), (-2, 4)):
        await _execute(
            container, "UPDATE events SET seq = :new WHERE tenant_id = :t AND seq = :old",
            new=new, old=old, t=tenant.id,
        )  # fmt: skip
    verdict = await container.audit.verify(tenant.id)
    assert (verdict.problem, verdict.seq) == (Problem.REORDERED, 2)


async def test_lg03_checkpoint_catches_a_truncated_tail(
    container: Container, tenant: Tenant
) -> None:
    await _five(container, tenant)
    checkpoint = await container.audit.checkpoint(tenant.id)
    assert checkpoint.seq == 6
    assert (await container.audit.verify(tenant.id)).ok
    await _execute(container, "DELETE FROM events WHERE tenant_id = :t AND seq >= 4", t=tenant.id)
    verdict = await container.audit.verify(tenant.id)
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 4)
    # Deleting the stored checkpoint too is caught by an exported copy.
    await _execute(container, "DELETE FROM audit_checkpoints WHERE tenant_id = :t", t=tenant.id)
    assert (await container.audit.verify(tenant.id)).ok
    verdict = await container.audit.verify(tenant.id, checkpoints=[checkpoint])
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 4)


async def test_checkpoint_twice_at_the_same_head_is_stored_once(
    container: Container, tenant: Tenant
) -> None:
    await _five(container, tenant)
    first = await container.audit.checkpoint(tenant.id)
    assert await container.audit.checkpoint(tenant.id) == first
    assert (await container.audit.verify(tenant.id)).ok


async def test_search_filters(container: Container, tenant: Tenant) -> None:
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    await container.audit.emit(_event(container, tenant, EventType.USER_LOGIN_FAILED))
    clock.advance(timedelta(hours=2))
    await container.audit.emit(_event(container, tenant, EventType.USER_LOGIN_SUCCEEDED))
    await container.audit.emit(
        SecurityEvent.create(
            EventType.KEY_ROTATED, clock=clock, tenant_id=tenant.id, actor=Actor.system()
        )
    )

    async def seqs(**kwargs: object) -> list[int]:
        found = await container.audit.search(EventQuery(tenant_id=tenant.id, **kwargs))  # type: ignore[arg-type]  # test kwargs
        return [item.seq for item in found]

    # seq 1 is the tenant's creation.
    assert await seqs() == [1, 2, 3, 4]
    assert await seqs(newest_first=True, limit=2) == [4, 3]
    assert await seqs(types=[EventType.USER_LOGIN_FAILED, EventType.KEY_ROTATED]) == [2, 4]
    assert await seqs(user_id="usr_1") == [2, 3]
    assert await seqs(user_id="usr_2") == []
    assert await seqs(since=clock.now() - timedelta(hours=1)) == [3, 4]
    assert await seqs(until=clock.now() - timedelta(hours=1)) == [1, 2]
    assert await seqs(after_seq=2) == [3, 4]


def test_query_limits_are_bounded() -> None:
    with pytest.raises(ValueError, match="limit"):
        EventQuery(tenant_id="t", limit=0)
    with pytest.raises(ValueError, match="after_seq"):
        EventQuery(tenant_id="t", after_seq=-1)


@pytest.mark.postgres
async def test_lg03_app_role_cannot_update_or_delete_events(tmp_path: Path) -> None:
    if PG_URL is None:
        skip_or_fail("TIER0_TEST_POSTGRES_URL is not set")
    name = f"tier0_audit_{secrets.token_hex(6)}"
    role = f"tier0_app_{secrets.token_hex(4)}"
    await _admin(f'CREATE DATABASE "{name}"')
    owner_url = (PG_URL or "").rsplit("/", 1)[0] + f"/{name}"
    owner = Container.build(
        Settings(data_dir=tmp_path, database_url=owner_url), clock=FrozenClock()
    )
    try:
        await owner.migrate()
        tenant = await owner.tenants.create(unique("audit"), by=ChangedBy.cli())
        async with owner.db.engine.begin() as conn:
            await conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            await conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
            for statement in audit_grants(role):
                await conn.execute(text(statement))
        app_url = owner_url.replace("//postgres@", f"//{role}@", 1)
        app = Container.build(
            Settings(data_dir=tmp_path, database_url=app_url), clock=FrozenClock()
        )
        try:
            await app.audit.emit(_event(app, tenant, n=1))
            await app.audit.emit(_event(app, tenant, n=2))
            assert (await app.audit.verify(tenant.id)).ok
            for sql in ("UPDATE events SET type = 'x'", "DELETE FROM events", "TRUNCATE events"):
                with pytest.raises(DBAPIError, match="permission denied"):
                    await _execute(app, sql)
        finally:
            await app.close()
    finally:
        await owner.close()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(f"DROP ROLE IF EXISTS {role}")


def test_audit_grants_refuse_odd_role_names() -> None:
    with pytest.raises(ValueError, match="identifier"):
        audit_grants("app; DROP TABLE events")
    assert any("GRANT SELECT, INSERT ON events" in s for s in audit_grants("tier0_app"))
