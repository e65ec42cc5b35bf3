"""A refresh rotation as plain ``sqlite3`` statements (run by ``OneHopWrites.run_sqlite``).

The same reads and writes as :func:`tier0.storage.sql.repos.rotation.rotate_core`, the
Core version PostgreSQL runs, minus SQLAlchemy's execution layer: on SQLite that layer cost
several times what the statements themselves do, on the request that is issued most.
Values go in and out in SQLAlchemy's storage formats (:mod:`~tier0.storage.sql.sqlite_values`),
so every other reader of these tables sees the same rows. Both versions pass the contract
suite in ``tests/contract/test_refresh_rotation.py``.

Single use: the write transaction began with ``BEGIN IMMEDIATE`` (the database's write
lock), and the conditional ``UPDATE ... WHERE consumed_at IS NULL`` matches for exactly one
caller, whose ``RETURNING`` row says it was first.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from tier0.domain.grants import ConsumedRefresh, Grant, RefreshToken
from tier0.storage.sql.repos.chain_append import append_event_sqlite
from tier0.storage.sql.sqlite_values import db_json, db_time, py_json, py_time
from tier0.storage.write_ports import RotateTo, RotationJudge, RotationVerdict

__all__ = [
    "GRANT",
    "INSERT_REFRESH",
    "REVOKE_GRANT",
    "REVOKE_TOKENS",
    "grant_of",
    "rotate_sqlite",
    "token_values",
]

# Constant SQL text, spelled out (no string building); columns in _token's order.
_CONSUME = (
    "UPDATE refresh_tokens SET consumed_at = ?"
    " WHERE tenant_id = ? AND token_hash = ? AND consumed_at IS NULL"
    " RETURNING token_hash, tenant_id, grant_id, client_id, user_id, scope, audience,"
    " parent_hash, created_at, expires_at, idle_expires_at, consumed_at, revoked_at"
)
_SELECT_ROW = (
    "SELECT token_hash, tenant_id, grant_id, client_id, user_id, scope, audience,"
    " parent_hash, created_at, expires_at, idle_expires_at, consumed_at, revoked_at"
    " FROM refresh_tokens WHERE tenant_id = ? AND token_hash = ?"
)
GRANT = (
    "SELECT tenant_id, id, client_id, user_id, scope, audience, session_id, created_at,"
    " revoked_at, auth_time, acr, amr FROM grants WHERE tenant_id = ? AND id = ?"
)
_USER_BLOCKED = "SELECT blocked FROM users WHERE tenant_id = ? AND user_id = ?"
INSERT_REFRESH = (
    "INSERT INTO refresh_tokens (token_hash, tenant_id, grant_id, client_id, user_id, scope,"
    " audience, parent_hash, created_at, expires_at, idle_expires_at, consumed_at, revoked_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
REVOKE_GRANT = (
    "UPDATE grants SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL"
)
REVOKE_TOKENS = (
    "UPDATE refresh_tokens SET revoked_at = ?"
    " WHERE tenant_id = ? AND grant_id = ? AND revoked_at IS NULL"
)


def _token(row: Any) -> RefreshToken:
    return RefreshToken(
        token_hash=row[0],
        tenant_id=row[1],
        grant_id=row[2],
        client_id=row[3],
        user_id=row[4],
        scope=tuple(py_json(row[5])),
        audience=row[6],
        parent_hash=row[7],
        created_at=py_time(row[8]),
        expires_at=py_time(row[9]),
        idle_expires_at=py_time(row[10]),
        consumed_at=py_time(row[11]),
        revoked_at=py_time(row[12]),
    )


def grant_of(row: Any) -> Grant:
    created_at = py_time(row[7])
    if created_at is None:
        raise ValueError("a stored grant without created_at")
    return Grant(
        tenant_id=row[0],
        id=row[1],
        client_id=row[2],
        user_id=row[3],
        scope=tuple(py_json(row[4])),
        audience=row[5],
        session_id=row[6],
        created_at=created_at,
        revoked_at=py_time(row[8]),
        auth_time=py_time(row[9]),
        acr=row[10],
        amr=tuple(py_json(row[11]) or ()),
    )


def token_values(token: RefreshToken) -> tuple[Any, ...]:
    if token.created_at is None or token.expires_at is None or token.idle_expires_at is None:
        raise ValueError("a new refresh token needs its creation and expiry times")
    return (
        token.token_hash,
        token.tenant_id,
        token.grant_id,
        token.client_id,
        token.user_id,
        db_json(list(token.scope)),
        token.audience,
        token.parent_hash,
        db_time(token.created_at),
        db_time(token.expires_at),
        db_time(token.idle_expires_at),
        db_time(token.consumed_at),
        db_time(token.revoked_at),
    )


def _consume(
    conn: sqlite3.Connection, tenant_id: str, token_hash: str, at: datetime
) -> ConsumedRefresh | None:
    keys = (tenant_id, token_hash)
    rows = conn.execute(_CONSUME, (db_time(at), *keys)).fetchall()
    first_use = bool(rows)
    if not rows:
        rows = conn.execute(_SELECT_ROW, keys).fetchall()
        if not rows:
            return None
    token = _token(rows[0])
    grant = conn.execute(GRANT, (tenant_id, token.grant_id)).fetchone()
    blocked = conn.execute(_USER_BLOCKED, (tenant_id, token.user_id)).fetchone()
    return ConsumedRefresh(
        token=token,
        first_use=first_use,
        grant=grant_of(grant) if grant is not None else None,
        user_active=blocked is not None and not blocked[0],
    )


def rotate_sqlite(
    conn: sqlite3.Connection,
    tenant_id: str,
    token_hash: str,
    at: datetime,
    chain_key: bytes,
    judge: RotationJudge,
) -> RotationVerdict:
    """Consume, judge, write the verdict and its event, in the caller's transaction."""
    verdict = judge(_consume(conn, tenant_id, token_hash, at))
    if isinstance(verdict, RotateTo):
        conn.execute(INSERT_REFRESH, token_values(verdict.successor))
    else:
        keys = (db_time(at), tenant_id, verdict.grant_id)
        conn.execute(REVOKE_GRANT, keys)
        conn.execute(REVOKE_TOKENS, keys)
    append_event_sqlite(conn, verdict.event, chain_key)
    return verdict
