"""Engine construction and the SQL implementation of the :class:`Database` port.

SQLite gets WAL, a busy timeout and foreign keys on every connection; write transactions
start with ``BEGIN IMMEDIATE`` so two writers queue on the lock instead of failing with
"database is locked" half-way through (a deferred transaction that later tries to write
cannot be retried by the busy handler).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tier0.errors import Conflict
from tier0.secrets.fields import FieldCipher
from tier0.storage.sql.repos import SqlUnitOfWork
from tier0.storage.sql.tenant_scope import SETTING, current_tenant_scope

WRITE_OPTION = "tier0_write"

# A write transaction opened while the same task already holds one waits for a lock its own
# outer transaction holds (SQLite has one writer): a ten-second hang, then "database is
# locked". Fail at once instead, naming the mistake.
_IN_WRITE: ContextVar[bool] = ContextVar("tier0_in_write_transaction", default=False)

# The tables behind the cached directory reads (tier0.services.directory_cache, and the
# attack-protection policies of tier0.services.protection_policies). A write to
# any of them, by whatever code path, flags its connection; the transaction announces the
# change after it commits, so caches on every node drop what they hold.
_DIRECTORY_WRITE = re.compile(
    r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?'
    r"(?:tenants|applications|resource_servers|client_grants|signing_keys"
    r'|attack_protection_policies)"?[\s(]',
    re.IGNORECASE,
)
_DIRECTORY_CHANGED = "tier0_directory_changed"

DirectoryListener = Callable[[], Awaitable[None]]


def _change_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _flag_directory_write(
        conn: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        if _DIRECTORY_WRITE.match(statement):
            conn.info[_DIRECTORY_CHANGED] = True


def sqlite_pragmas(dbapi_connection: Any) -> None:
    """tier0's rules for every SQLite connection (the async engine's and the one-hop
    writer's alike)."""
    # Take BEGIN away from the driver so the "begin" hooks decide its kind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA busy_timeout=10000",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=NORMAL",
        # Deleted rows are overwritten with zeros, so erased or re-encrypted data does
        # not linger in free pages of the file (DP-02, DP-05).
        "PRAGMA secure_delete=ON",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        sqlite_pragmas(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_engine(url: str, *, echo: bool = False, timeout: float = 5.0) -> AsyncEngine:
    """Create an async engine for a SQLite or PostgreSQL URL with tier0's connection rules.

    PostgreSQL connections and statements time out after ``timeout`` seconds, so a stalled
    server turns into fast errors (rendered as 503) instead of requests that hang and pile
    up until every worker is stuck; the pool's pre-ping replaces dead connections once the
    server answers again."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 10})
        _sqlite_hooks(engine)
        _change_hooks(engine)
        return engine
    if url.startswith("postgresql"):
        engine = create_async_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            pool_timeout=timeout,
            connect_args={"timeout": timeout, "command_timeout": timeout},
        )
        _change_hooks(engine)
        return engine
    raise ValueError("database_url must be a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")


class _NoLock:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_exc: object) -> None:
        return None


def _writer_lock(engine: AsyncEngine) -> asyncio.Lock | _NoLock:
    """SQLite has one writer per file. Writers of this process queue here, in the event loop,
    instead of in ``BEGIN IMMEDIATE``: there each waiting connection holds a worker thread
    and polls the lock with growing sleeps (the busy handler), which under load cost more CPU
    than the writes and stretched p99 latency to seconds. Other processes (the CLI, more
    workers) still wait in the busy handler. PostgreSQL has row locks: no queue."""
    if engine.dialect.name != "sqlite":
        return _NoLock()
    return asyncio.Lock()


class SqlDatabase:
    """Transactions over an :class:`AsyncEngine`; one session per transaction."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        cipher: FieldCipher | None = None,
        listeners: list[DirectoryListener] | None = None,
        writer: asyncio.Lock | _NoLock | None = None,
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._listeners = listeners if listeners is not None else []
        self._writer = writer or _writer_lock(engine)

    def with_cipher(self, cipher: FieldCipher) -> SqlDatabase:
        """The same engine (and change listeners), with repositories that seal personal
        data under ``cipher``."""
        return SqlDatabase(
            self.engine, cipher=cipher, listeners=self._listeners, writer=self._writer
        )

    def on_directory_change(self, listener: DirectoryListener) -> None:
        """Call ``listener`` after every committed transaction that wrote a directory table
        (tenants, applications, APIs, client grants, signing keys)."""
        self._listeners.append(listener)

    async def _announce(self) -> None:
        # Shielded: a client that disconnects right after the commit must not cancel the
        # announcement, or other nodes would keep serving the old value until the TTL.
        for listener in self._listeners:
            await asyncio.shield(listener())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlUnitOfWork]:
        """A read-write transaction: commits on success, rolls back on any exception.

        A unique-constraint violation surfaces as :class:`Conflict`: services check for
        duplicates first, and this is the answer when two requests race past that check.
        """
        changed = False
        async with self.write_slot(), self._sessions() as session:
            try:
                async with session.begin():
                    conn = await session.connection(execution_options={WRITE_OPTION: True})
                    info = conn.sync_connection.info if conn.sync_connection else {}
                    info.pop(_DIRECTORY_CHANGED, None)  # the DBAPI connection is pooled
                    await _apply_tenant_scope(session)
                    yield SqlUnitOfWork(session, self.cipher)
                    changed = bool(info.pop(_DIRECTORY_CHANGED, False))
            except IntegrityError as exc:
                raise Conflict("the change clashes with an existing object") from exc
        if changed:  # committed: tell every node's cache
            await self._announce()

    @asynccontextmanager
    async def write_slot(self) -> AsyncIterator[None]:
        """This task's turn to write: the in-process writer queue, and no nesting."""
        if _IN_WRITE.get():
            raise RuntimeError("nested write transaction: use the unit of work you already hold")
        token = _IN_WRITE.set(True)
        try:
            async with self._writer:
                yield
        finally:
            _IN_WRITE.reset(token)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlUnitOfWork]:
        """A read-only transaction (a consistent snapshot; nothing is written)."""
        async with self._sessions() as session, session.begin():
            await _apply_tenant_scope(session)
            yield SqlUnitOfWork(session, self.cipher)
            await session.rollback()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


async def _apply_tenant_scope(session: AsyncSession) -> None:
    """On PostgreSQL, hand the row-level-security policies the scoped tenant (if any) for
    this transaction only (``set_config(..., true)`` is ``SET LOCAL``)."""
    tenant_id = current_tenant_scope()
    bind = session.bind
    if tenant_id is None or bind is None or bind.dialect.name != "postgresql":
        return
    await session.execute(
        text("SELECT set_config(:name, :value, true)"), {"name": SETTING, "value": tenant_id}
    )


def session_of(uow: SqlUnitOfWork) -> AsyncSession:
    """The session behind a unit of work, for feature repositories built on the same one."""
    return uow.session
