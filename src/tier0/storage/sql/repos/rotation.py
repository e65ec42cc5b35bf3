"""Refresh-token rotation in two round trips (OA-07, OA-08; the RefreshRotation port).

A refresh is the hottest write: one per access-token renewal of every signed-in app. So it
runs as prebuilt Core statements through :mod:`tier0.storage.sql.onehop`: the first round
trip begins the write transaction, consumes the token and reads its grant and whether its
user may still use it; the second writes the successor (or revokes the family) with its
audit event and commits. A rejection in between rolls everything back, the consumption too.

Single use holds as in :class:`~tier0.storage.sql.repos.oauth.SqlRefreshTokenRepo`: the
conditional ``UPDATE ... WHERE consumed_at IS NULL`` matches for exactly one caller, whose
``RETURNING`` row says it was first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from tier0.audit.event import SecurityEvent
from tier0.domain.grants import ConsumedRefresh, RefreshToken
from tier0.storage.sql.models import GrantRow, RefreshTokenRow, UserRow
from tier0.storage.sql.onehop import OneHopTransaction, OneHopWrites
from tier0.storage.sql.repos.chain_append import append_event_sync
from tier0.storage.sql.repos.oauth import _grant, _refresh
from tier0.storage.sql.types import require_time

_TOKENS = cast(Table, RefreshTokenRow.__table__)
_GRANTS = cast(Table, GrantRow.__table__)
_USERS = cast(Table, UserRow.__table__)

_THIS_TOKEN = (
    _TOKENS.c.tenant_id == bindparam("b_tenant"),
    _TOKENS.c.token_hash == bindparam("b_hash"),
)
CONSUME = (
    update(_TOKENS)
    .where(*_THIS_TOKEN, _TOKENS.c.consumed_at.is_(None))
    .values(consumed_at=bindparam("b_at"))
    .returning(*_TOKENS.c)
)
TOKEN = select(_TOKENS).where(*_THIS_TOKEN)
GRANT = select(_GRANTS).where(
    _GRANTS.c.tenant_id == bindparam("b_tenant"), _GRANTS.c.id == bindparam("b_grant")
)
USER_BLOCKED = select(_USERS.c.blocked).where(
    _USERS.c.tenant_id == bindparam("b_tenant"), _USERS.c.user_id == bindparam("b_user")
)
INSERT_TOKEN = insert(_TOKENS)
REVOKE_GRANT = (
    update(_GRANTS)
    .where(
        _GRANTS.c.tenant_id == bindparam("b_tenant"),
        _GRANTS.c.id == bindparam("b_grant"),
        _GRANTS.c.revoked_at.is_(None),
    )
    .values(revoked_at=bindparam("b_at"))
)
REVOKE_TOKENS = (
    update(_TOKENS)
    .where(
        _TOKENS.c.tenant_id == bindparam("b_tenant"),
        _TOKENS.c.grant_id == bindparam("b_grant"),
        _TOKENS.c.revoked_at.is_(None),
    )
    .values(revoked_at=bindparam("b_at"))
)


def _consume(conn: Connection, tenant_id: str, token_hash: str, at: datetime) -> Any:
    keys = {"b_tenant": tenant_id, "b_hash": token_hash}
    row = conn.execute(CONSUME, {**keys, "b_at": at}).one_or_none()
    first_use = row is not None
    if row is None:
        row = conn.execute(TOKEN, keys).one_or_none()
        if row is None:
            return None
    token = _refresh(row)
    grant = conn.execute(GRANT, {"b_tenant": tenant_id, "b_grant": token.grant_id}).first()
    blocked = conn.execute(
        USER_BLOCKED, {"b_tenant": tenant_id, "b_user": token.user_id}
    ).scalar_one_or_none()
    return ConsumedRefresh(
        token=token,
        first_use=first_use,
        grant=_grant(grant) if grant is not None else None,
        user_active=blocked is not None and not blocked,
    )


def token_row(token: RefreshToken) -> dict[str, Any]:
    # Spelled out: dataclasses.asdict deep-copies, which costs more than the INSERT.
    return {
        "token_hash": token.token_hash,
        "tenant_id": token.tenant_id,
        "grant_id": token.grant_id,
        "client_id": token.client_id,
        "user_id": token.user_id,
        "scope": list(token.scope),
        "audience": token.audience,
        "parent_hash": token.parent_hash,
        "created_at": require_time(token.created_at),
        "expires_at": require_time(token.expires_at),
        "idle_expires_at": require_time(token.idle_expires_at),
        "consumed_at": token.consumed_at,
        "revoked_at": token.revoked_at,
    }


class FamilyWrites:
    """What both redemptions (a code's, a refresh token's) write to a grant family."""

    def __init__(self, tx: OneHopTransaction) -> None:
        self._tx = tx

    async def revoke_family(
        self, tenant_id: str, grant_id: str, at: datetime, event: SecurityEvent, chain_key: bytes
    ) -> None:
        keys = {"b_tenant": tenant_id, "b_grant": grant_id, "b_at": at}

        def write(conn: Connection) -> None:
            conn.execute(REVOKE_GRANT, keys)
            conn.execute(REVOKE_TOKENS, keys)
            append_event_sync(conn, event, chain_key)

        await self._tx.run(write, commit=True)


class _Rotation(FamilyWrites):
    async def consume(
        self, tenant_id: str, token_hash: str, at: datetime
    ) -> ConsumedRefresh | None:
        found: ConsumedRefresh | None = await self._tx.run(
            lambda conn: _consume(conn, tenant_id, token_hash, at)
        )
        return found

    async def rotate(self, successor: RefreshToken, event: SecurityEvent, chain_key: bytes) -> None:
        row = token_row(successor)

        def write(conn: Connection) -> None:
            conn.execute(INSERT_TOKEN, row)
            append_event_sync(conn, event, chain_key)

        await self._tx.run(write, commit=True)


class SqlRefreshRotations:
    """The :class:`~tier0.storage.ports.RefreshRotations` port over SQL."""

    def __init__(self, writes: OneHopWrites) -> None:
        self._writes = writes

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Rotation]:
        async with self._writes.transaction() as tx:
            yield _Rotation(tx)
