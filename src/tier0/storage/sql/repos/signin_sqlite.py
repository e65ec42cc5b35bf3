"""A sign-in's write transaction as plain ``sqlite3`` statements (``OneHopWrites.sqlite_steps``).

The same two round trips as the Core version in :mod:`tier0.storage.sql.repos.signin`
(which PostgreSQL runs), minus SQLAlchemy's execution layer, which on SQLite cost several
times what the ~13 statements themselves do. Values are stored in SQLAlchemy's formats
(:mod:`~tier0.storage.sql.sqlite_values`), so every other reader sees the same rows; both
versions pass ``tests/contract/test_signin_writes.py``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from tier0.audit.chain import ChainRecord
from tier0.audit.event import SecurityEvent
from tier0.domain.grants import AuthorizationCode, Grant, Session
from tier0.secrets.fields import FieldCipher
from tier0.storage.sql.onehop import OneHopWrites, SqliteSteps
from tier0.storage.sql.repos.chain_append import append_event_sqlite, move_head_sqlite
from tier0.storage.sql.repos.user_reads import UserKeysRead
from tier0.storage.sql.repos.users import SEALED, TABLE
from tier0.storage.sql.sqlite_values import db_json, db_time
from tier0.storage.sql.types import require_time
from tier0.storage.write_ports import CountedLogin, LoginCount

__all__ = ["SqliteSignIn"]

_IP = SEALED["last_ip"]

# Constant SQL text, one per shape (no string building at run time).
_COUNT = "UPDATE users SET last_login = ?, updated_at = ?, logins_count = logins_count + 1"
_WHERE_USER = " WHERE tenant_id = ? AND user_id = ? RETURNING logins_count"
COUNT_LOGIN = {
    (False, False): _COUNT + _WHERE_USER,
    (True, False): _COUNT + ", last_ip_ct = ?" + _WHERE_USER,
    (False, True): _COUNT + ", password_hash = ?" + _WHERE_USER,
    (True, True): _COUNT + ", last_ip_ct = ?, password_hash = ?" + _WHERE_USER,
}
ENROLLED = (
    "SELECT EXISTS (SELECT 1 FROM mfa_factors WHERE tenant_id = ? AND user_id = ?"
    " AND confirmed_at IS NOT NULL)"
    " OR EXISTS (SELECT 1 FROM mfa_passkeys WHERE tenant_id = ? AND user_id = ?)"
)
END_SESSION = (
    "UPDATE sessions SET ended_at = ? WHERE tenant_id = ? AND id_hash = ? AND ended_at IS NULL"
)
INSERT_SESSION = (
    "INSERT INTO sessions (id_hash, tenant_id, sid, user_id, auth_time, amr, acr, created_at,"
    " last_seen_at, idle_expires_at, expires_at, ended_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_GRANT = (
    "INSERT INTO grants (id, tenant_id, client_id, user_id, scope, audience, session_id,"
    " created_at, revoked_at, auth_time, acr, amr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_CODE = (
    "INSERT INTO authorization_codes (code_hash, tenant_id, grant_id, client_id, user_id,"
    " redirect_uri, scope, audience, nonce, code_challenge, code_challenge_method, auth_time,"
    " amr, acr, session_id, dpop_jkt, created_at, expires_at, consumed_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def count_login(
    conn: sqlite3.Connection, shape: tuple[bool, bool], params: tuple[Any, ...]
) -> int | None:
    row = conn.execute(COUNT_LOGIN[shape], params).fetchone()
    return None if row is None else int(row[0])


def enrolled(conn: sqlite3.Connection, tenant_id: str, user_id: str) -> bool:
    row = conn.execute(ENROLLED, (tenant_id, user_id, tenant_id, user_id)).fetchone()
    return bool(row[0])


def session_values(item: Session) -> tuple[Any, ...]:
    return (
        item.id_hash,
        item.tenant_id,
        item.sid,
        item.user_id,
        db_time(require_time(item.auth_time)),
        db_json(list(item.amr)),
        item.acr,
        db_time(require_time(item.created_at)),
        db_time(require_time(item.last_seen_at)),
        db_time(require_time(item.idle_expires_at)),
        db_time(require_time(item.expires_at)),
        db_time(item.ended_at),
    )


def grant_values(grant: Grant) -> tuple[Any, ...]:
    return (
        grant.id,
        grant.tenant_id,
        grant.client_id,
        grant.user_id,
        db_json(list(grant.scope)),
        grant.audience,
        grant.session_id,
        db_time(grant.created_at),
        db_time(grant.revoked_at),
        db_time(grant.auth_time),
        grant.acr,
        db_json(list(grant.amr)),
    )


def code_values(code: AuthorizationCode) -> tuple[Any, ...]:
    return (
        code.code_hash,
        code.tenant_id,
        code.grant_id,
        code.client_id,
        code.user_id,
        code.redirect_uri,
        db_json(list(code.scope)),
        code.audience,
        code.nonce,
        code.code_challenge,
        code.code_challenge_method,
        db_time(code.auth_time),
        db_json(list(code.amr)),
        code.acr,
        code.session_id,
        code.dpop_jkt,
        db_time(require_time(code.created_at)),
        db_time(require_time(code.expires_at)),
        db_time(code.consumed_at),
    )


class SqliteSignIn:
    """The :class:`~tier0.storage.write_ports.SignInWrite` of a SQLite database.

    The audit chain's head is read once per transaction: the second event extends the
    record the first one made (the write lock held since ``BEGIN IMMEDIATE`` keeps anyone
    else from appending in between), and the head row is moved once, in the commit step."""

    def __init__(self, steps: SqliteSteps, writes: OneHopWrites, cipher: FieldCipher | None):
        self._steps = steps
        self._writes = writes
        self._cipher = cipher
        self._staged: list[Callable[[sqlite3.Connection], object]] = []
        self._last: ChainRecord | None = None  # this transaction's latest chain record

    async def _sealed_ip(self, login: LoginCount) -> bytes | None:
        if self._cipher is None:
            raise RuntimeError("this database was built without a field cipher")
        fields = await self._cipher.for_tenant(login.tenant_id)
        if self._cipher.users is not None:
            # The write lock first: the key is then read with nothing able to commit in
            # between (a WAL reader beside the writer sees the last commit), as the Core
            # version reads it inside its transaction.
            await self._steps.run(lambda conn: None)
            keys = UserKeysRead(self._writes.read)
            own = await self._cipher.users.load(keys, login.tenant_id, [login.user_id])
            if login.user_id in own:
                fields = fields.for_user(own[login.user_id])
        return fields.seal(TABLE, _IP, login.user_id, login.ip)

    def _append(self, conn: sqlite3.Connection, event: SecurityEvent, key: bytes) -> None:
        self._last = append_event_sqlite(conn, event, key, after=self._last, move_head=False)

    async def count_login(
        self, login: LoginCount, event: SecurityEvent, chain_key: bytes, *, factors: bool
    ) -> CountedLogin | None:
        reseal = login.ip != login.previous_ip
        params: list[Any] = [db_time(login.at), db_time(login.at)]
        if reseal:
            params.append(await self._sealed_ip(login))
        if login.password_hash is not None:
            params.append(login.password_hash)
        params += [login.tenant_id, login.user_id]
        shape = (reseal, login.password_hash is not None)

        def write(conn: sqlite3.Connection) -> CountedLogin | None:
            count = count_login(conn, shape, tuple(params))
            if count is None:
                return None
            self._append(conn, event, chain_key)
            factor = enrolled(conn, login.tenant_id, login.user_id) if factors else False
            return CountedLogin(count, factor)

        return await self._steps.run(write)

    def start_session(self, session: Session, *, ending: str | None) -> None:
        row = session_values(session)
        if ending is not None:
            ended = (db_time(session.created_at), session.tenant_id, ending)
            self._staged.append(lambda conn: conn.execute(END_SESSION, ended))
        self._staged.append(lambda conn: conn.execute(INSERT_SESSION, row))

    def add_code(
        self, grant: Grant, code: AuthorizationCode, event: SecurityEvent, chain_key: bytes
    ) -> None:
        rows = grant_values(grant), code_values(code)
        self._staged.append(lambda conn: conn.execute(INSERT_GRANT, rows[0]))
        self._staged.append(lambda conn: conn.execute(INSERT_CODE, rows[1]))
        # In the same transaction: the event exists exactly when the code does.
        self._staged.append(lambda conn: self._append(conn, event, chain_key))

    async def commit(self) -> None:
        staged, self._staged = self._staged, []

        def write(conn: sqlite3.Connection) -> None:
            for step in staged:
                step(conn)
            if self._last is not None:
                move_head_sqlite(conn, self._last)

        await self._steps.run(write, commit=True)
