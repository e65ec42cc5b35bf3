"""A write transaction of several plain ``sqlite3`` steps (``OneHopWrites.sqlite_steps``).

For the transactions whose later steps depend on work the event loop does between them (a
sign-in: the code is made once the login is counted; a code redemption: the protocol checks
run between consuming the code and storing the refresh token). Each step is one hop to the
writer thread and runs on its own ``sqlite3`` connection, without SQLAlchemy's execution
layer, which costs several times what SQLite spends on a primary-key statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, TypeVar

from tier0.errors import Conflict
from tier0.handoff import hop

if TYPE_CHECKING:
    from tier0.storage.sql.onehop import OneHopWrites
    from tier0.storage.sql.repos import SqlUnitOfWork

T = TypeVar("T")

__all__ = ["SqliteSteps"]


class SqliteSteps:
    """A write transaction of plain ``sqlite3`` steps on the writer thread's own connection
    (see :meth:`OneHopWrites.sqlite_steps`): one hop per step, ``BEGIN IMMEDIATE`` before
    the first, and only ``run(..., commit=True)`` commits."""

    def __init__(self, writes: OneHopWrites, thread: ThreadPoolExecutor) -> None:
        self._writes = writes
        self._thread = thread
        self.done = False
        self._begun = False

    def _step(self, fn: Callable[[sqlite3.Connection], T], commit: bool) -> T:
        conn = self._writes._raw_sqlite()
        if not self._begun:
            if conn.in_transaction:  # never expected: left over from a failed ROLLBACK
                conn.rollback()
            conn.execute("BEGIN IMMEDIATE")
            self._begun = True
        result = fn(conn)
        if commit:
            conn.commit()
            self.done = True
        return result

    async def run(self, fn: Callable[[sqlite3.Connection], T], *, commit: bool = False) -> T:
        """Run ``fn`` in the transaction (on the writer thread: it must not touch the event
        loop); with ``commit``, commit right after it, in the same hop."""
        if self.done:
            raise RuntimeError("the transaction has ended")
        try:
            # A cancelled caller still lets the step finish: the connection is the thread's.
            return await hop(self._thread, lambda: self._step(fn, commit))
        except sqlite3.IntegrityError as exc:
            raise Conflict("the change clashes with an existing object") from exc

    def reads(self) -> AbstractAsyncContextManager[SqlUnitOfWork]:
        """A read transaction beside this one (WAL readers never wait; the write lock keeps
        anything from committing in between)."""
        return self._writes.db_reads()

    def _rollback(self) -> None:
        self.done = True
        conn = self._writes._raw_sqlite()
        if conn.in_transaction:
            conn.rollback()

    async def end(self) -> None:
        """Roll back whatever was not committed."""
        if not self.done and self._begun:
            await hop(self._thread, self._rollback)
        self.done = True
