"""A user and their sealed keys as plain ``sqlite3`` statements (SQLite's :class:`SqlUserReads`).

The password check and the code redemption each read one user. Through SQLAlchemy Core
(:func:`~tier0.storage.sql.repos.user_reads.read_user`) the two statements cost more CPU than
SQLite spends answering them; here they are constant SQL text on the writer thread's reading
connection (:meth:`OneHopWrites.read_sqlite`), in one read transaction, and the row comes
back with the attributes and Python values of the mapped one (``sqlite_values`` formats), so
:func:`~tier0.storage.sql.repos.user_reads.open_user` opens it exactly as before.
``tests/contract/test_signin_writes.py`` holds both versions to the ORM repository.
"""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace
from typing import Any

from tier0.secrets.user_keys import StoredUserKey
from tier0.storage.sql.repos.users import SEALED
from tier0.storage.sql.sqlite_values import py_json, py_time

__all__ = ["BY_EMAIL_SQL", "BY_ID_SQL", "read_user_sqlite", "user_columns"]

_COLUMNS = (
    "user_id",
    "tenant_id",
    "email_verified",
    "username",
    "blocked",
    "user_metadata",
    "app_metadata",
    "password_hash",
    "created_at",
    "updated_at",
    "last_login",
    "logins_count",
    *SEALED.values(),
)
# Constant SQL text, spelled out; columns in _COLUMNS' order (the test holds them equal).
_SELECT = (
    "SELECT user_id, tenant_id, email_verified, username, blocked, user_metadata, app_metadata,"
    " password_hash, created_at, updated_at, last_login, logins_count, email_ct, name_ct,"
    " given_name_ct, family_name_ct, nickname_ct, picture_ct, last_ip_ct FROM users"
)
BY_ID_SQL = _SELECT + " WHERE tenant_id = ? AND user_id = ?"
# ``UserRow.email_index`` lives in the column still named ``email_normalized``.
BY_EMAIL_SQL = _SELECT + " WHERE tenant_id = ? AND email_normalized = ?"
_KEYS = (
    "SELECT user_id, wrap_version, sealed_key FROM user_keys WHERE tenant_id = ? AND user_id = ?"
)


def _row(values: tuple[Any, ...]) -> Any:
    row = dict(zip(_COLUMNS, values, strict=True))
    for flag in ("email_verified", "blocked"):
        row[flag] = bool(row[flag])
    for doc in ("user_metadata", "app_metadata"):
        row[doc] = py_json(row[doc])
    for at in ("created_at", "updated_at", "last_login"):
        row[at] = py_time(row[at])
    return SimpleNamespace(**row)


def read_user_sqlite(
    conn: sqlite3.Connection, sql: str, params: tuple[str, str]
) -> tuple[Any, list[StoredUserKey]] | None:
    """The user row matching ``sql`` (``BY_ID_SQL`` or ``BY_EMAIL_SQL``; tenant first) and
    the user's sealed keys, or None; inside the caller's read transaction."""
    values = conn.execute(sql, params).fetchone()
    if values is None:
        return None
    row = _row(values)
    keys = conn.execute(_KEYS, (row.tenant_id, row.user_id)).fetchall()
    return row, [StoredUserKey(k[0], k[1], bytes(k[2])) for k in keys]


def user_columns() -> tuple[str, ...]:
    """The columns :data:`BY_ID_SQL` and :data:`BY_EMAIL_SQL` select, in order."""
    return _COLUMNS
