"""A password sign-in's write transaction in two round trips (issue 3; the SignInWrites port).

Through the ORM session a sign-in was ~13 statements, each several hand-offs between the
event loop and aiosqlite's thread. Here, as for refresh rotation
(:mod:`tier0.storage.sql.repos.rotation`), prebuilt Core statements run through
:mod:`tier0.storage.sql.onehop`: round trip 1 begins the write transaction, counts the
login (one ``UPDATE ... RETURNING``), appends its event and reads the second-factor
enrollment; round trip 2 ends the browser's previous session (SE-02), inserts the new
session, the grant and the authorization code with its event, and commits. Everything the
sign-in writes commits together or not at all, as before.

The last IP is sealed under the key the user's fields use; when it changed, that key is
read inside the same transaction first (so a concurrent move of the user to a key of
their own cannot leave it sealed under the old one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, or_, select, update
from sqlalchemy.sql.expression import exists

from tier0.audit.event import SecurityEvent
from tier0.domain.grants import AuthorizationCode, Grant, Session
from tier0.secrets.fields import FieldCipher
from tier0.storage.sql.models import (
    AuthorizationCodeRow,
    GrantRow,
    MfaFactorRow,
    PasskeyRow,
    SessionRow,
    UserRow,
)
from tier0.storage.sql.onehop import OneHopTransaction, OneHopWrites
from tier0.storage.sql.repos.chain_append import append_event_sync
from tier0.storage.sql.repos.signin_sqlite import SqliteSignIn
from tier0.storage.sql.repos.user_reads import UserKeysRead
from tier0.storage.sql.repos.users import SEALED, TABLE
from tier0.storage.sql.types import require_time
from tier0.storage.write_ports import CountedLogin, LoginCount, SignInWrite

_USERS = cast(Table, UserRow.__table__)
_SESSIONS = cast(Table, SessionRow.__table__)
_GRANTS = cast(Table, GrantRow.__table__)
_CODES = cast(Table, AuthorizationCodeRow.__table__)
_FACTORS = cast(Table, MfaFactorRow.__table__)
_PASSKEYS = cast(Table, PasskeyRow.__table__)
_IP = SEALED["last_ip"]


def _count_login(sealed_ip: bool, rehash: bool) -> Any:
    values: dict[str, Any] = {
        "last_login": bindparam("b_at"),
        "updated_at": bindparam("b_at"),
        "logins_count": _USERS.c.logins_count + 1,
    }
    if sealed_ip:
        values[_IP] = bindparam("b_ip")
    if rehash:
        values["password_hash"] = bindparam("b_hash")
    return (
        update(_USERS)
        .where(_USERS.c.tenant_id == bindparam("b_tenant"), _USERS.c.user_id == bindparam("b_user"))
        .values(values)
        .returning(_USERS.c.logins_count)
    )


# Built once per shape: building a statement costs more CPU than running it.
COUNT_LOGIN = {
    (ip, rehash): _count_login(ip, rehash) for ip in (False, True) for rehash in (False, True)
}
ENROLLED = select(
    or_(
        exists().where(
            _FACTORS.c.tenant_id == bindparam("b_tenant"),
            _FACTORS.c.user_id == bindparam("b_user"),
            _FACTORS.c.confirmed_at.is_not(None),
        ),
        exists().where(
            _PASSKEYS.c.tenant_id == bindparam("b_tenant"),
            _PASSKEYS.c.user_id == bindparam("b_user"),
        ),
    )
)
END_SESSION = (
    update(_SESSIONS)
    .where(
        _SESSIONS.c.tenant_id == bindparam("b_tenant"),
        _SESSIONS.c.id_hash == bindparam("b_hash"),
        _SESSIONS.c.ended_at.is_(None),
    )
    .values(ended_at=bindparam("b_at"))
)
INSERT_SESSION = insert(_SESSIONS)
INSERT_GRANT = insert(_GRANTS)
INSERT_CODE = insert(_CODES)


def session_row(item: Session) -> dict[str, Any]:
    return {
        "id_hash": item.id_hash,
        "tenant_id": item.tenant_id,
        "sid": item.sid,
        "user_id": item.user_id,
        "auth_time": require_time(item.auth_time),
        "amr": list(item.amr),
        "acr": item.acr,
        "created_at": require_time(item.created_at),
        "last_seen_at": require_time(item.last_seen_at),
        "idle_expires_at": require_time(item.idle_expires_at),
        "expires_at": require_time(item.expires_at),
        "ended_at": item.ended_at,
    }


def grant_row(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.id,
        "tenant_id": grant.tenant_id,
        "client_id": grant.client_id,
        "user_id": grant.user_id,
        "scope": list(grant.scope),
        "audience": grant.audience,
        "session_id": grant.session_id,
        "created_at": grant.created_at,
        "revoked_at": grant.revoked_at,
        "auth_time": grant.auth_time,
        "acr": grant.acr,
        "amr": list(grant.amr),
    }


def code_row(code: AuthorizationCode) -> dict[str, Any]:
    return {
        "code_hash": code.code_hash,
        "tenant_id": code.tenant_id,
        "grant_id": code.grant_id,
        "client_id": code.client_id,
        "user_id": code.user_id,
        "redirect_uri": code.redirect_uri,
        "scope": list(code.scope),
        "audience": code.audience,
        "nonce": code.nonce,
        "code_challenge": code.code_challenge,
        "code_challenge_method": code.code_challenge_method,
        "auth_time": code.auth_time,
        "amr": list(code.amr),
        "acr": code.acr,
        "session_id": code.session_id,
        "dpop_jkt": code.dpop_jkt,
        "created_at": require_time(code.created_at),
        "expires_at": require_time(code.expires_at),
        "consumed_at": code.consumed_at,
    }


class _SignIn:
    def __init__(self, tx: OneHopTransaction, cipher: FieldCipher | None) -> None:
        self._tx = tx
        self._cipher = cipher
        self._staged: list[Callable[[Connection], object]] = []

    async def _sealed_ip(self, login: LoginCount) -> bytes | None:
        if self._cipher is None:
            raise RuntimeError("this database was built without a field cipher")
        fields = await self._cipher.for_tenant(login.tenant_id)
        if self._cipher.users is not None:
            own = await self._cipher.users.load(
                UserKeysRead(self._tx.run), login.tenant_id, [login.user_id]
            )
            if login.user_id in own:
                fields = fields.for_user(own[login.user_id])
        return fields.seal(TABLE, _IP, login.user_id, login.ip)

    async def count_login(
        self, login: LoginCount, event: SecurityEvent, chain_key: bytes, *, factors: bool
    ) -> CountedLogin | None:
        who = {"b_tenant": login.tenant_id, "b_user": login.user_id}
        params: dict[str, Any] = {**who, "b_at": login.at}
        reseal = login.ip != login.previous_ip
        if reseal:
            params["b_ip"] = await self._sealed_ip(login)
        if login.password_hash is not None:
            params["b_hash"] = login.password_hash
        statement = COUNT_LOGIN[(reseal, login.password_hash is not None)]

        def write(conn: Connection) -> CountedLogin | None:
            count = conn.execute(statement, params).scalar_one_or_none()
            if count is None:
                return None
            append_event_sync(conn, event, chain_key)
            enrolled = bool(conn.execute(ENROLLED, who).scalar()) if factors else False
            return CountedLogin(int(count), enrolled)

        counted: CountedLogin | None = await self._tx.run(write)
        return counted

    def start_session(self, session: Session, *, ending: str | None) -> None:
        row = session_row(session)
        if ending is not None:
            ended = {"b_tenant": session.tenant_id, "b_hash": ending, "b_at": session.created_at}
            self._staged.append(lambda conn: conn.execute(END_SESSION, ended))
        self._staged.append(lambda conn: conn.execute(INSERT_SESSION, row))

    def add_code(
        self, grant: Grant, code: AuthorizationCode, event: SecurityEvent, chain_key: bytes
    ) -> None:
        rows = grant_row(grant), code_row(code)
        self._staged.append(lambda conn: conn.execute(INSERT_GRANT, rows[0]))
        self._staged.append(lambda conn: conn.execute(INSERT_CODE, rows[1]))
        # In the same transaction: the event exists exactly when the code does.
        self._staged.append(lambda conn: append_event_sync(conn, event, chain_key))

    async def commit(self) -> None:
        staged, self._staged = self._staged, []

        def write(conn: Connection) -> None:
            for step in staged:
                step(conn)

        await self._tx.run(write, commit=True)


class SqlSignInWrites:
    """The :class:`~tier0.storage.write_ports.SignInWrites` port over SQL: on SQLite as plain
    ``sqlite3`` statements (:mod:`~tier0.storage.sql.repos.signin_sqlite`) unless
    ``plain_sqlite`` is False (the contract suite runs both), else the Core statements."""

    def __init__(
        self, writes: OneHopWrites, cipher: FieldCipher | None, *, plain_sqlite: bool = True
    ) -> None:
        self._writes = writes
        self._cipher = cipher
        self._plain = plain_sqlite and writes.sqlite

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SignInWrite]:
        if self._plain:
            async with self._writes.sqlite_steps() as steps:
                yield SqliteSignIn(steps, self._writes, self._cipher)
            return
        async with self._writes.transaction() as tx:
            yield _SignIn(tx, self._cipher)
