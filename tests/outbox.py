"""Real database failures for transactional-outbox tests (issue #6, LG-01).

:func:`refusing` installs a trigger that makes one kind of statement fail for one tenant,
optionally only for rows matching a further SQL condition (``"NEW.type = 'x.y'"``): the
test then checks that the change and its event were both kept or both lost. Triggers are
scoped to the test's tenant, because the PostgreSQL database is shared by the session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import unique
from tier0.container import Container
from tier0.errors import Conflict

# A refused statement surfaces as Conflict (SQLite's RAISE(ABORT) is a constraint error) or
# as the driver's error (PostgreSQL's RAISE EXCEPTION).
REFUSED = (Conflict, DBAPIError)


async def execute(container: Container, *statements: str) -> None:
    async with container.db.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


@asynccontextmanager
async def refusing(
    container: Container,
    tenant_id: str,
    table: str,
    operation: str = "INSERT",
    *,
    when: str | None = None,
) -> AsyncIterator[None]:
    """A trigger that makes every ``operation`` on ``table`` for this tenant fail."""
    name = f"refuse_{unique().replace('-', '_')}"
    row = "OLD" if operation == "DELETE" else "NEW"
    condition = f"{row}.tenant_id = '{tenant_id}'" + (f" AND {when}" if when else "")
    if container.db.engine.dialect.name == "sqlite":
        create = [
            f"CREATE TRIGGER {name} BEFORE {operation} ON {table} WHEN {condition} "
            "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
        ]
        drop = [f"DROP TRIGGER {name}"]
    else:
        create = [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$",
            f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW "
            f"WHEN ({condition}) EXECUTE FUNCTION {name}()",
        ]
        drop = [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]
    await execute(container, *create)
    try:
        yield
    finally:
        await execute(container, *drop)


def refusing_event(
    container: Container, tenant_id: str, event_type: str
) -> AbstractAsyncContextManager[None]:
    """A trigger that refuses only events of ``event_type`` for this tenant."""
    return refusing(container, tenant_id, "events", when=f"NEW.type = '{event_type}'")


async def refused_request(request: Awaitable[httpx.Response]) -> httpx.Response | None:
    """Send a request that runs into a refusal: its answer (SQLite's Conflict is a 409),
    or None when the refusal came out of the ASGI transport (the driver's error on
    PostgreSQL; for work in a background task after the answer, Starlette's "response
    already started" error caused by it). Tests then check what the database kept."""
    try:
        return await request
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, REFUSED):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        return None
