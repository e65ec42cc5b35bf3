"""AC-02, second layer: PostgreSQL row-level security on the directory tables (WB).

The test role is an ordinary one (superusers bypass RLS), as a deployment's application
role is."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import unique
from tests.flows.management.harness import Caller, make_caller
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.storage.sql.tenant_scope import SCOPED_TABLES, tenant_scope


def _postgres_only(container: Container) -> None:
    if container.db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature; SQLite relies on the filters")


async def _rows(conn: AsyncConnection, table: str, tenant_id: str) -> int:
    # Table names come from a fixed tuple in the code, never from input.
    query = text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t")  # noqa: S608
    return int((await conn.execute(query, {"t": tenant_id})).scalar_one())


async def _scope(conn: AsyncConnection, tenant_id: str) -> None:
    await conn.execute(text("SELECT set_config('tier0.tenant_id', :t, true)"), {"t": tenant_id})


async def test_ac02_rls_with_a_wrong_tenant_setting_returns_zero_rows(
    container: Container, caller: Caller
) -> None:
    _postgres_only(container)
    other = await make_caller(container, unique("other"))
    role = f"tier0_rls_probe_{secrets.token_hex(4)}"
    engine = container.db.engine
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        await conn.execute(text(f'GRANT SELECT ON {", ".join(SCOPED_TABLES)} TO "{role}"'))
    try:
        async with engine.connect() as conn, conn.begin():
            await conn.execute(text(f'SET LOCAL ROLE "{role}"'))
            # Unscoped (CLI, jobs): the policies let every row through.
            assert await _rows(conn, "applications", caller.tenant.id) == 1
            await _scope(conn, other.tenant.id)
            for table in SCOPED_TABLES:
                assert await _rows(conn, table, caller.tenant.id) == 0, table
            assert await _rows(conn, "applications", other.tenant.id) == 1
            await _scope(conn, caller.tenant.id)
            assert await _rows(conn, "applications", caller.tenant.id) == 1
            assert await _rows(conn, "resource_servers", caller.tenant.id) == 1
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP OWNED BY "{role}"'))
            await conn.execute(text(f'DROP ROLE "{role}"'))


async def test_ac02_scoped_transactions_carry_the_tenant_setting(
    container: Container, caller: Caller
) -> None:
    _postgres_only(container)
    setting = text("SELECT current_setting('tier0.tenant_id', true)")
    with tenant_scope(caller.tenant.id):
        async with container.db.read() as uow:
            assert (await uow.session.execute(setting)).scalar_one() == caller.tenant.id
        async with container.db.transaction() as uow:
            assert (await uow.session.execute(setting)).scalar_one() == caller.tenant.id
    async with container.db.read() as uow:
        assert (await uow.session.execute(setting)).scalar_one() in (None, "")


async def test_ac02_rls_hides_another_tenants_jobs(container: Container, caller: Caller) -> None:
    _postgres_only(container)
    other = await make_caller(container, unique("other"))
    await container.jobs.create_export(
        caller.tenant, options={"format": "json", "fields": [], "limit": None}, by=ChangedBy.cli()
    )
    role = f"tier0_rls_probe_{secrets.token_hex(4)}"
    engine = container.db.engine
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        await conn.execute(text(f'GRANT SELECT ON jobs TO "{role}"'))
    try:
        async with engine.connect() as conn, conn.begin():
            await conn.execute(text(f'SET LOCAL ROLE "{role}"'))
            await _scope(conn, other.tenant.id)
            assert await _rows(conn, "jobs", caller.tenant.id) == 0
            await _scope(conn, caller.tenant.id)
            assert await _rows(conn, "jobs", caller.tenant.id) == 1
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP OWNED BY "{role}"'))
            await conn.execute(text(f'DROP ROLE "{role}"'))
