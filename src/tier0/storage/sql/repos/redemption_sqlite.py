"""Authorization-code redemption as plain ``sqlite3`` statements (``OneHopWrites.sqlite_steps``).

The same two round trips as :mod:`tier0.storage.sql.repos.redemption` (the Core version
PostgreSQL runs), minus SQLAlchemy's execution layer for the code, grant, token and audit
statements. Single use (OA-06): the write transaction holds the database's write lock from
``BEGIN IMMEDIATE``, and ``UPDATE ... WHERE consumed_at IS NULL ... RETURNING`` matches for
exactly one caller. The user (row and sealed keys) is read in the same hop on the writer
thread's reading connection (:mod:`.user_reads_sqlite`): a WAL read beside the write
transaction, which sees the last commit, and nothing can commit while
the write lock is held. Both versions pass ``tests/contract/test_code_redemption.py``.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from tier0.audit.event import SecurityEvent
from tier0.domain.grants import AuthorizationCode, ConsumedCode, RefreshToken
from tier0.secrets.fields import FieldCipher
from tier0.storage.sql.onehop import OneHopWrites, SqliteSteps
from tier0.storage.sql.repos import SqlUnitOfWork
from tier0.storage.sql.repos.chain_append import append_event_sqlite
from tier0.storage.sql.repos.redemption_user import RedemptionUser
from tier0.storage.sql.repos.rotation_sqlite import (
    GRANT,
    INSERT_REFRESH,
    REVOKE_GRANT,
    REVOKE_TOKENS,
    grant_of,
    token_values,
)
from tier0.storage.sql.repos.user_reads_sqlite import BY_ID_SQL, read_user_sqlite
from tier0.storage.sql.sqlite_values import db_time, py_json, py_time

__all__ = ["SqliteRedemption"]

# Constant SQL text, spelled out; columns in _code's order.
_CONSUME = (
    "UPDATE authorization_codes SET consumed_at = ?"
    " WHERE tenant_id = ? AND code_hash = ? AND consumed_at IS NULL"
    " RETURNING code_hash, tenant_id, grant_id, client_id, user_id, redirect_uri, scope,"
    " audience, nonce, code_challenge, code_challenge_method, auth_time, amr, acr,"
    " session_id, dpop_jkt, created_at, expires_at, consumed_at"
)
_CODE = (
    "SELECT code_hash, tenant_id, grant_id, client_id, user_id, redirect_uri, scope,"
    " audience, nonce, code_challenge, code_challenge_method, auth_time, amr, acr,"
    " session_id, dpop_jkt, created_at, expires_at, consumed_at"
    " FROM authorization_codes WHERE tenant_id = ? AND code_hash = ?"
)


def _code(row: Any) -> AuthorizationCode:
    created_at, expires_at = py_time(row[16]), py_time(row[17])
    if created_at is None or expires_at is None:
        raise ValueError("a stored code without its times")
    return AuthorizationCode(
        code_hash=row[0],
        tenant_id=row[1],
        grant_id=row[2],
        client_id=row[3],
        user_id=row[4],
        redirect_uri=row[5],
        scope=tuple(py_json(row[6])),
        audience=row[7],
        nonce=row[8],
        code_challenge=row[9],
        code_challenge_method=row[10],
        auth_time=py_time(row[11]),
        amr=tuple(py_json(row[12])),
        acr=row[13],
        session_id=row[14],
        dpop_jkt=row[15],
        created_at=created_at,
        expires_at=expires_at,
        consumed_at=py_time(row[18]),
    )


class SqliteRedemption(RedemptionUser):
    """The :class:`~tier0.storage.write_ports.CodeRedemption` of a SQLite database."""

    def __init__(self, steps: SqliteSteps, writes: OneHopWrites, cipher: FieldCipher | None):
        super().__init__(cipher, writes.read)  # the key, in a read of its own
        self._steps = steps
        self._writes = writes

    def reads(self) -> AbstractAsyncContextManager[SqlUnitOfWork]:
        return self._steps.reads()

    def _consume(
        self, conn: sqlite3.Connection, tenant_id: str, code_hash: str, at: datetime
    ) -> Any:
        keys = (tenant_id, code_hash)
        row = conn.execute(_CONSUME, (db_time(at), *keys)).fetchone()
        first_use = row is not None
        if row is None:
            row = conn.execute(_CODE, keys).fetchone()
            if row is None:
                return None
        code = _code(row)
        grant = conn.execute(GRANT, (tenant_id, code.grant_id)).fetchone()
        consumed = ConsumedCode(code, first_use, grant_of(grant) if grant is not None else None)
        user = None
        if first_use:  # the checks need the user next
            params = (tenant_id, code.user_id)
            user = self._writes.read_sqlite_here(
                lambda read: read_user_sqlite(read, BY_ID_SQL, params)
            )
        return consumed, user

    async def consume(self, tenant_id: str, code_hash: str, at: datetime) -> ConsumedCode | None:
        found = await self._steps.run(lambda conn: self._consume(conn, tenant_id, code_hash, at))
        return self._consumed(tenant_id, found)

    async def _read_user(self, tenant_id: str, user_id: str) -> Any:
        return await self._writes.read_sqlite(
            lambda conn: read_user_sqlite(conn, BY_ID_SQL, (tenant_id, user_id))
        )

    async def redeem(
        self, refresh: RefreshToken | None, event: SecurityEvent, chain_key: bytes
    ) -> None:
        row = token_values(refresh) if refresh is not None else None

        def write(conn: sqlite3.Connection) -> None:
            if row is not None:
                conn.execute(INSERT_REFRESH, row)
            append_event_sqlite(conn, event, chain_key)

        await self._steps.run(write, commit=True)

    async def revoke_family(
        self, tenant_id: str, grant_id: str, at: datetime, event: SecurityEvent, chain_key: bytes
    ) -> None:
        keys = (db_time(at), tenant_id, grant_id)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(REVOKE_GRANT, keys)
            conn.execute(REVOKE_TOKENS, keys)
            append_event_sqlite(conn, event, chain_key)

        await self._steps.run(write, commit=True)
