"""Authorization-code redemption in two round trips (OA-05, OA-06; the CodeRedemption port).

The same shape as a refresh rotation (:mod:`tier0.storage.sql.repos.rotation`): round
trip 1 begins the write transaction and consumes the code (``UPDATE ... RETURNING``: exactly
one concurrent redemption is told it was first) with its grant; the protocol checks run in
between; round trip 2 stores the first refresh token (if any) with the audit event and
commits, or, on a replay, revokes the grant family with its event and commits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select, update

from tier0.audit.event import SecurityEvent
from tier0.domain.grants import AuthorizationCode, ConsumedCode, RefreshToken
from tier0.secrets.fields import FieldCipher
from tier0.storage.sql.models import AuthorizationCodeRow
from tier0.storage.sql.onehop import OneHopTransaction, OneHopWrites
from tier0.storage.sql.repos import SqlUnitOfWork
from tier0.storage.sql.repos.chain_append import append_event_sync
from tier0.storage.sql.repos.oauth import _code, _grant
from tier0.storage.sql.repos.redemption_sqlite import SqliteRedemption
from tier0.storage.sql.repos.redemption_user import RedemptionUser
from tier0.storage.sql.repos.rotation import GRANT, INSERT_TOKEN, FamilyWrites, token_row
from tier0.storage.sql.repos.user_reads import BY_ID, read_user
from tier0.storage.write_ports import CodeRedemption

_CODES = cast(Table, AuthorizationCodeRow.__table__)
_THIS_CODE = (
    _CODES.c.tenant_id == bindparam("b_tenant"),
    _CODES.c.code_hash == bindparam("b_hash"),
)
CONSUME = (
    update(_CODES)
    .where(*_THIS_CODE, _CODES.c.consumed_at.is_(None))
    .values(consumed_at=bindparam("b_at"))
    .returning(*_CODES.c)
)
CODE = select(_CODES).where(*_THIS_CODE)


def _consume(conn: Connection, tenant_id: str, code_hash: str, at: datetime) -> Any:
    """The consumed code with its grant and, on first use, its user's row and key (read in
    the same round trip: the checks need them next)."""
    keys = {"b_tenant": tenant_id, "b_hash": code_hash}
    row = conn.execute(CONSUME, {**keys, "b_at": at}).one_or_none()
    first_use = row is not None
    if row is None:
        row = conn.execute(CODE, keys).one_or_none()
        if row is None:
            return None
    code: AuthorizationCode = _code(row)
    grant = conn.execute(GRANT, {"b_tenant": tenant_id, "b_grant": code.grant_id}).first()
    consumed = ConsumedCode(code, first_use, _grant(grant) if grant is not None else None)
    user = None
    if first_use:
        user = read_user(conn, BY_ID, {"b_tenant": tenant_id, "b_user": code.user_id})
    return consumed, user


class _Redemption(FamilyWrites, RedemptionUser):
    def __init__(self, tx: OneHopTransaction, cipher: FieldCipher | None) -> None:
        FamilyWrites.__init__(self, tx)
        RedemptionUser.__init__(self, cipher, tx.run)  # the key, in the write transaction

    def reads(self) -> AbstractAsyncContextManager[SqlUnitOfWork]:
        return self._tx.reads()

    async def consume(self, tenant_id: str, code_hash: str, at: datetime) -> ConsumedCode | None:
        found = await self._tx.run(lambda conn: _consume(conn, tenant_id, code_hash, at))
        return self._consumed(tenant_id, found)

    async def _read_user(self, tenant_id: str, user_id: str) -> Any:
        params = {"b_tenant": tenant_id, "b_user": user_id}
        return await self._tx.run(lambda conn: read_user(conn, BY_ID, params))

    async def redeem(
        self, refresh: RefreshToken | None, event: SecurityEvent, chain_key: bytes
    ) -> None:
        row = token_row(refresh) if refresh is not None else None

        def write(conn: Connection) -> None:
            if row is not None:
                conn.execute(INSERT_TOKEN, row)
            append_event_sync(conn, event, chain_key)

        await self._tx.run(write, commit=True)


class SqlCodeRedemptions:
    """The :class:`~tier0.storage.write_ports.CodeRedemptions` port over SQL: on SQLite as plain
    ``sqlite3`` statements (:mod:`~tier0.storage.sql.repos.redemption_sqlite`) unless
    ``plain_sqlite`` is False (the contract suite runs both), else the Core statements."""

    def __init__(
        self, writes: OneHopWrites, cipher: FieldCipher | None = None, *, plain_sqlite: bool = True
    ) -> None:
        self._writes = writes
        self._cipher = cipher
        self._plain = plain_sqlite and writes.sqlite

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[CodeRedemption]:
        if self._plain:
            async with self._writes.sqlite_steps() as steps:
                yield SqliteRedemption(steps, self._writes, self._cipher)
            return
        async with self._writes.transaction() as tx:
            yield _Redemption(tx, self._cipher)
