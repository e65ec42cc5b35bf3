"""Running Alembic migrations from async code (`tier0 migrate`, `tier0 serve`, tests).

Features add their own revision files under ``migrations/versions``; several branches may
start from the same parent, so we always upgrade to ``heads``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema up to date. Safe to run from several nodes at once on PostgreSQL
    (the migration holds an advisory lock) and idempotent."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


def _pending(connection: Connection) -> bool:
    current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return current != heads


async def needs_migration(engine: AsyncEngine) -> bool:
    """True when the database is not at every head revision."""
    async with engine.connect() as conn:
        return await conn.run_sync(_pending)
