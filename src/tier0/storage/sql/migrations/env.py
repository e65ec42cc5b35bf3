"""Alembic environment: migrations always run on a connection handed over by
`tier0.storage.sql.migrate`, inside its transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tier0.storage.sql.models import Base

# Any constant: migrations from several nodes at once queue on this PostgreSQL lock.
MIGRATION_LOCK = 7_240_001


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if _connection is None:
    raise RuntimeError("run migrations with `tier0 migrate`, which supplies the connection")
run(_connection)
