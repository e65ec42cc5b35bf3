"""Row counts of one tenant in every table that names a tenant (destruction certificates)."""

from __future__ import annotations

from sqlalchemy import func, select

from tier0.storage.ports import UnitOfWork
from tier0.storage.sql.models import Base
from tier0.storage.sql.repos import SqlUnitOfWork


async def tenant_row_counts(uow: UnitOfWork, tenant_id: str) -> dict[str, int]:
    """``{table: rows}`` for every table with a ``tenant_id`` column (zero counts omitted)."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("tenant_row_counts needs an SQL unit of work")
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        column = table.c.get("tenant_id")
        if column is None:
            continue
        total = await uow.session.scalar(
            select(func.count()).select_from(table).where(column == tenant_id)
        )
        if total:
            counts[table.name] = int(total)
    counts["tenants"] = 1
    return counts
