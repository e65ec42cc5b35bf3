"""``OneHopWrites.run_sqlite``: one whole write transaction in one hop to the writer
thread."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from pathlib import Path

import pytest

from tier0.container import Container
from tier0.errors import Conflict

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

_ADD = "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, 0, x'')"
_COUNT = "SELECT count(*) FROM audit_heads WHERE tenant_id = ?"


def _file(container: Container) -> Path:
    return Path(str(container.db.engine.url.database))


async def test_a_transaction_commits_or_rolls_back_whole(container: Container) -> None:
    writes, first, second = container.one_hop, secrets.token_hex(8), secrets.token_hex(8)
    assert await writes.run_sqlite(lambda conn: conn.execute(_ADD, (first,)).rowcount) == 1

    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute(_ADD, (second,))
        raise LookupError("rejected")

    with pytest.raises(LookupError):
        await writes.run_sqlite(half_then_fail)
    with pytest.raises(Conflict):  # a unique key clash, as from every other write path
        await writes.run_sqlite(lambda conn: conn.execute(_ADD, (first,)))
    counts = await writes.run_sqlite(
        lambda conn: [conn.execute(_COUNT, (t,)).fetchone()[0] for t in (first, second)]
    )
    assert counts == [1, 0]


async def test_another_process_lock_is_waited_for_off_the_event_loop(
    container: Container,
) -> None:
    """Another connection (as another process would) holds the write lock: the event loop
    keeps running while the transaction waits on the writer thread, then it commits."""
    writes, tenant = container.one_hop, secrets.token_hex(8)
    other = sqlite3.connect(_file(container), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        pending = asyncio.create_task(
            writes.run_sqlite(lambda conn: conn.execute(_ADD, (tenant,)).rowcount)
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(20):  # 0.2 s in which the loop must keep turning
            await asyncio.sleep(0.01)
        assert loop.time() - started < 2 and not pending.done()
        other.rollback()
        assert await asyncio.wait_for(pending, timeout=10) == 1
    finally:
        other.close()
