"""Migrations: they build exactly the schema the models describe, on every backend, and
running them again changes nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from tier0.container import Container
from tier0.storage.sql.migrate import needs_migration
from tier0.storage.sql.models import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_schema_matches_models_and_is_idempotent(container: Container) -> None:
    assert not await needs_migration(container.db.engine)
    async with container.db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
    await container.migrate()  # a second run is a no-op
    assert not await needs_migration(container.db.engine)
