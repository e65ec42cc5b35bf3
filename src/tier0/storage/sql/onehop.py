"""Hot-path write transactions as plain synchronous Core statements, run in one hop.

Through the async engine every SQLite statement is several hand-offs between the event loop
and aiosqlite's worker thread (cursor, execute, fetch, close), and each hand-off costs more
CPU than the statement itself; ``AsyncConnection.run_sync`` does not help, because the
adapted connection still awaits aiosqlite once per call. For the few transactions on every
token request (a refresh rotation, the audit append that goes with it) this module runs a
synchronous function of Core statements on a *synchronous* SQLite engine over the same file,
in one dedicated thread: one hand-off per step of the transaction, not per statement.

Writers still queue on the database's in-process writer lock (shared with the async engine)
and start with ``BEGIN IMMEDIATE``, so the single-writer rules of :mod:`engine` hold.

On PostgreSQL the same functions run through ``AsyncSession.run_sync`` inside an ordinary
:meth:`SqlDatabase.transaction` (asyncpg has no thread to hop to, and row-level security
needs the transaction's tenant scope).

:meth:`OneHopWrites.run_sqlite` goes one step further for the very hottest transaction (a
refresh rotation): a whole transaction in *one* hop, as plain ``sqlite3`` statements on the
writer thread's own connection. SQLAlchemy's execution layer costs about ten times what
SQLite spends on a primary-key statement; the ``sqlite3`` module keeps the prepared
statements in its own cache.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import IntegrityError

from tier0.errors import Conflict
from tier0.handoff import hop
from tier0.storage.sql.engine import SqlDatabase, sqlite_pragmas
from tier0.storage.sql.onehop_steps import SqliteSteps
from tier0.storage.sql.repos import SqlUnitOfWork

T = TypeVar("T")

__all__ = ["OneHopTransaction", "OneHopWrites", "SqliteSteps"]


class OneHopTransaction:
    """One write transaction; :meth:`run` executes a sync function of Core statements."""

    def reads(self) -> AbstractAsyncContextManager[SqlUnitOfWork]:
        """Repositories for reads beside the transaction: its own session where it has one
        (PostgreSQL: a second pooled connection per waiting writer could exhaust the pool
        while they queue on the row lock), else a read transaction (SQLite: WAL readers
        never wait, and the writer lock keeps anything from committing in between)."""
        raise NotImplementedError

    async def run(self, fn: Callable[[Connection], T], *, commit: bool = False) -> T:
        """Run ``fn`` in the transaction; with ``commit``, commit right after it, in the
        same hop (a later ``run`` is then an error)."""
        raise NotImplementedError


class _SqliteTransaction(OneHopTransaction):
    def __init__(self, engine: Engine, thread: ThreadPoolExecutor, db: SqlDatabase) -> None:
        self._db = db
        self._engine = engine
        self._thread = thread
        self._conn: Connection | None = None
        self.done = False

    def _step(self, fn: Callable[[Connection], T], commit: bool) -> T:
        if self._conn is None:
            self._conn = self._engine.connect()
            self._conn.begin()  # BEGIN IMMEDIATE (the engine's begin hook)
        result = fn(self._conn)
        if commit:
            self._finish(commit=True)
        return result

    def _finish(self, *, commit: bool) -> None:
        conn, self._conn = self._conn, None
        self.done = True
        if conn is None:
            return
        try:
            if commit:
                conn.commit()
            else:
                conn.rollback()
        finally:
            conn.close()

    def reads(self) -> AbstractAsyncContextManager[SqlUnitOfWork]:
        return self._db.read()

    async def run(self, fn: Callable[[Connection], T], *, commit: bool = False) -> T:
        if self.done:
            raise RuntimeError("the transaction has ended")
        try:
            return await hop(self._thread, lambda: self._step(fn, commit))
        except IntegrityError as exc:
            raise Conflict("the change clashes with an existing object") from exc

    async def end(self, *, commit: bool) -> None:
        if not self.done:
            await hop(self._thread, lambda: self._finish(commit=commit))


class _SessionTransaction(OneHopTransaction):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self._session = uow.session
        self._committed = False

    @asynccontextmanager
    async def _own(self) -> AsyncIterator[SqlUnitOfWork]:
        yield self._uow

    def reads(self) -> AbstractAsyncContextManager[SqlUnitOfWork]:
        return self._own()

    async def run(self, fn: Callable[[Connection], T], *, commit: bool = False) -> T:
        if self._committed:
            raise RuntimeError("the transaction has ended")
        result = await self._session.run_sync(lambda session: fn(session.connection()))
        self._committed = commit  # the surrounding transaction commits on exit
        return result

    @property
    def committed(self) -> bool:
        return self._committed


class OneHopWrites:
    """Opens :class:`OneHopTransaction` s on a :class:`SqlDatabase`."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db
        self._engine: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        if db.engine.dialect.name == "sqlite":
            self._engine = _sync_engine(db.engine.url.render_as_string(hide_password=False))
            # One thread: sqlite3 connections stay with the thread that made them.
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="tier0-sqlite-writer")
        self._raw: Any = None  # the writer thread's own pooled connection (run_sqlite)
        self._reader: Any = None  # and its reading one (read_sqlite: never mid-write)

    @property
    def sqlite(self) -> bool:
        """Whether :meth:`run_sqlite` is available (the database is SQLite)."""
        return self._thread is not None

    @property
    def sync_engine(self) -> Engine | None:
        """The synchronous SQLite engine the writer thread uses (None on PostgreSQL)."""
        return self._engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[OneHopTransaction]:
        """Only ``run(..., commit=True)`` commits: leaving the block any other way, with or
        without an exception, rolls back (a half-done change is never kept by accident)."""
        if self._engine is None or self._thread is None:
            async with self._db.transaction() as uow:
                session_tx = _SessionTransaction(uow)
                yield session_tx
                if not session_tx.committed:
                    await uow.session.rollback()
            return
        async with self._db.write_slot():
            tx = _SqliteTransaction(self._engine, self._thread, self._db)
            try:
                yield tx
            finally:
                # Shielded: a cancelled request must still hand the connection back.
                await asyncio.shield(tx.end(commit=False))

    def db_reads(self) -> AbstractAsyncContextManager[SqlUnitOfWork]:
        """An ordinary read transaction of the database."""
        return self._db.read()

    def read_here(self, fn: Callable[[Connection], T]) -> T:
        """:meth:`read`'s work done synchronously, on the writer thread only (inside a step
        of :meth:`sqlite_steps`: a Core read beside the plain write transaction, in the
        same hop, seeing what was committed before the step's transaction began)."""
        if self._engine is None:
            raise RuntimeError("read_here needs a SQLite database")
        return _read_step(self._engine, fn)

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` (reads only) in one read transaction: on SQLite in one hop to the
        writer thread, a plain deferred ``BEGIN`` (WAL readers take no lock and never wait
        for the writer lock); on PostgreSQL in an ordinary, tenant-scoped read."""
        if self._engine is None or self._thread is None:
            async with self._db.read() as uow:
                return await uow.session.run_sync(lambda session: fn(session.connection()))
        engine = self._engine
        return await hop(self._thread, lambda: _read_step(engine, fn))

    async def read_sqlite(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """:meth:`read` as plain ``sqlite3`` statements (SQLite only)."""
        if self._thread is None:
            raise RuntimeError("read_sqlite needs a SQLite database")
        return await hop(self._thread, lambda: self.read_sqlite_here(fn))

    def read_sqlite_here(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` in a read transaction of its own on the writer thread's reading
        connection: a deferred ``BEGIN`` (one consistent WAL snapshot for all of ``fn``'s
        statements, taking no lock), then ``ROLLBACK``. Never the writing connection, so a
        read between two steps of :meth:`sqlite_steps` sees only what was committed."""
        if self._reader is None:
            if self._engine is None:
                raise RuntimeError("read_sqlite needs a SQLite database")
            self._reader = self._engine.raw_connection()
        conn: sqlite3.Connection = self._reader.driver_connection
        if conn.in_transaction:  # never expected: left over from a failed ROLLBACK
            conn.rollback()
        conn.execute("BEGIN")
        try:
            return fn(conn)
        finally:
            conn.rollback()

    async def run_sqlite(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` as one whole write transaction in one hop: ``BEGIN IMMEDIATE``, ``fn``,
        ``COMMIT``; if ``fn`` raises, ``ROLLBACK`` and the exception propagates. SQLite only
        (see :attr:`sqlite`). ``fn`` runs on the writer thread: it must not touch the event
        loop, and it holds the database's write lock for as long as it runs."""
        if self._thread is None:
            raise RuntimeError("run_sqlite needs a SQLite database")
        async with self._db.write_slot():
            try:
                # A cancelled caller keeps the write slot until the thread has committed or
                # rolled back (``hop`` waits for the work before the cancellation).
                return await hop(self._thread, lambda: self._whole(fn))
            except sqlite3.IntegrityError as exc:
                raise Conflict("the change clashes with an existing object") from exc

    @asynccontextmanager
    async def sqlite_steps(self) -> AsyncIterator[SqliteSteps]:
        """A write transaction in several plain ``sqlite3`` steps (SQLite only, see
        :attr:`sqlite`), for a transaction whose later steps depend on work the event loop
        does between them (a sign-in: the code is made once the login is counted). Leaving
        the block without ``run(..., commit=True)`` rolls back."""
        if self._thread is None:
            raise RuntimeError("sqlite_steps needs a SQLite database")
        async with self._db.write_slot():
            steps = SqliteSteps(self, self._thread)
            try:
                yield steps
            finally:
                # Shielded: a cancelled request must still leave the connection clean.
                await asyncio.shield(steps.end())

    def _whole(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._raw_sqlite()
        if conn.in_transaction:  # never expected: left over from a failed ROLLBACK
            conn.rollback()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.commit()
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        return result

    def _raw_sqlite(self) -> sqlite3.Connection:
        """The writer thread's own connection, checked out of the pool for good (so the
        pragmas come from the same connect hook as every other connection's)."""
        if self._raw is None:
            if self._engine is None:
                raise RuntimeError("run_sqlite needs a SQLite database")
            self._raw = self._engine.raw_connection()
        conn: sqlite3.Connection = self._raw.driver_connection
        return conn

    def close(self) -> None:
        if self._thread is not None:
            self._thread.submit(self._dispose).result()
            self._thread.shutdown()

    def _dispose(self) -> None:
        for raw in (self._raw, self._reader):
            if raw is not None:
                raw.close()
        self._raw = self._reader = None
        if self._engine is not None:
            self._engine.dispose()


def _sync_engine(async_url: str) -> Engine:
    engine = create_engine(async_url.replace("sqlite+aiosqlite", "sqlite+pysqlite", 1))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        sqlite_pragmas(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        reading = conn.get_execution_options().get(READ_OPTION, False)
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


#: Execution option of a one-hop read connection (a deferred BEGIN, no writer lock).
READ_OPTION = "tier0_read"


def _read_step(engine: Engine, fn: Callable[[Connection], T]) -> T:
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_OPTION: True})
        try:
            return fn(conn)
        finally:
            conn.rollback()
