"""A user and their data key in one round trip (the sign-in's and the code redemption's reads).

Through the ORM session reading one user is a read transaction of two statements (the row,
then the user's sealed data key), each several hand-offs to aiosqlite's thread. Here both
are prebuilt Core statements run in one hop (:meth:`OneHopWrites.read`, or inside a one-hop
write transaction); the row is opened exactly as :class:`SqlUserRepo` opens it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select

from tier0.domain import User
from tier0.domain.users import normalize_email
from tier0.secrets.fields import FieldCipher
from tier0.secrets.user_keys import StoredUserKey, StoredWrapKey
from tier0.storage.sql.models import UserKeyRow, UserRow, UserWrapKeyRow
from tier0.storage.sql.onehop import OneHopWrites
from tier0.storage.sql.repos.user_reads_sqlite import BY_EMAIL_SQL, BY_ID_SQL, read_user_sqlite
from tier0.storage.sql.repos.users import _user

__all__ = ["SqlUserReads", "open_user", "read_user"]

_USERS = cast(Table, UserRow.__table__)
_USER_KEYS = cast(Table, UserKeyRow.__table__)
_WRAPS = cast(Table, UserWrapKeyRow.__table__)
_TENANT = _USERS.c.tenant_id == bindparam("b_tenant")
BY_ID = select(_USERS).where(_TENANT, _USERS.c.user_id == bindparam("b_user"))
# ``UserRow.email_index`` lives in the column still named ``email_normalized``.
BY_EMAIL = select(_USERS).where(_TENANT, _USERS.c.email_normalized == bindparam("b_index"))
USER_KEY = select(_USER_KEYS.c.user_id, _USER_KEYS.c.wrap_version, _USER_KEYS.c.sealed_key).where(
    _USER_KEYS.c.tenant_id == bindparam("b_tenant"), _USER_KEYS.c.user_id == bindparam("b_user")
)
WRAP = select(_WRAPS.c.wrapped_key).where(
    _WRAPS.c.tenant_id == bindparam("b_tenant"), _WRAPS.c.version == bindparam("b_version")
)

#: Runs a synchronous read where the caller's transaction is (one hop).
Run = Callable[[Callable[[Connection], Any]], Awaitable[Any]]


def user_key_rows(conn: Connection, tenant_id: str, user_id: str) -> list[StoredUserKey]:
    rows = conn.execute(USER_KEY, {"b_tenant": tenant_id, "b_user": user_id}).all()
    return [StoredUserKey(r.user_id, r.wrap_version, bytes(r.sealed_key)) for r in rows]


def read_user(conn: Connection, statement: Any, params: dict[str, Any]) -> Any:
    """The user row matching ``statement`` and the user's sealed keys (or None)."""
    row = conn.execute(statement, params).one_or_none()
    if row is None:
        return None
    return row, user_key_rows(conn, row.tenant_id, row.user_id)


class UserKeysRead:
    """The reads of :meth:`UserKeyring.load`: the user's keys already read, the wrapping
    key (when not cached) read where the caller's transaction is."""

    def __init__(self, run: Run, keys: Sequence[StoredUserKey] | None = None) -> None:
        self._run = run
        self._keys = keys

    async def keys(self, tenant_id: str, user_ids: Iterable[str] | None) -> list[StoredUserKey]:
        if self._keys is not None:
            return list(self._keys)
        wanted = list(user_ids or ())
        if len(wanted) != 1:
            raise ValueError("one user's key at a time")
        found: list[StoredUserKey] = await self._run(
            lambda conn: user_key_rows(conn, tenant_id, wanted[0])
        )
        return found

    async def get_wrap(self, tenant_id: str, version: int) -> StoredWrapKey | None:
        keys = {"b_tenant": tenant_id, "b_version": version}
        wrapped = await self._run(lambda conn: conn.execute(WRAP, keys).scalar_one_or_none())
        return None if wrapped is None else StoredWrapKey(tenant_id, version, wrapped)


async def open_user(cipher: FieldCipher, run: Run, row: Any, keys: Sequence[StoredUserKey]) -> User:
    """``row`` opened under the key its fields use (the user's own, else the tenant's)."""
    fields = await cipher.for_tenant(row.tenant_id)
    if cipher.users is not None and keys:
        own = await cipher.users.load(UserKeysRead(run, keys), row.tenant_id, [row.user_id])
        if row.user_id in own:
            fields = fields.for_user(own[row.user_id])
    # A Core row has the attributes of the mapped one.
    return _user(cast(UserRow, row), fields)


class SqlUserReads:
    """Users by id or email, each one hop (a consistent read of the row and its key): on
    SQLite as plain ``sqlite3`` statements (:mod:`.user_reads_sqlite`) unless
    ``plain_sqlite`` is off (the contract tests run both), else through Core."""

    def __init__(self, writes: OneHopWrites, cipher: FieldCipher, *, plain_sqlite: bool = True):
        self._writes = writes
        self._cipher = cipher
        self._plain = plain_sqlite and writes.sqlite

    async def _one(self, by_id: bool, tenant_id: str, key: str) -> User | None:
        if self._plain:
            sql = BY_ID_SQL if by_id else BY_EMAIL_SQL
            found = await self._writes.read_sqlite(
                lambda conn: read_user_sqlite(conn, sql, (tenant_id, key))
            )
        else:
            statement = BY_ID if by_id else BY_EMAIL
            params = {"b_tenant": tenant_id, "b_user" if by_id else "b_index": key}
            found = await self._writes.read(lambda conn: read_user(conn, statement, params))
        if found is None:
            return None
        row, keys = found
        return await open_user(self._cipher, self._writes.read, row, keys)

    async def get(self, tenant_id: str, user_id: str) -> User | None:
        return await self._one(True, tenant_id, user_id)

    async def get_by_email(self, tenant_id: str, email: str) -> User | None:
        fields = await self._cipher.for_tenant(tenant_id)
        return await self._one(False, tenant_id, fields.index(normalize_email(email)))
