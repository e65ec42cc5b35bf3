"""Refresh-token rotation in one round trip (OA-07, OA-08; the RefreshRotations port).

A refresh is the hottest write: one per access-token renewal of every signed-in app. So the
whole transaction is one synchronous function run in one hop through
:mod:`tier0.storage.sql.onehop`: begin the write transaction, consume the token, read its
grant and whether its user may still use it, let the grant's judge decide (it raises to
reject, which rolls everything back, the consumption too), write the successor or revoke
the family with the audit event, commit. On SQLite the function is plain ``sqlite3``
(:mod:`~tier0.storage.sql.repos.rotation_sqlite`); on PostgreSQL it is the prebuilt Core
statements below, through the session.

Single use holds as in :class:`~tier0.storage.sql.repos.oauth.SqlRefreshTokenRepo`: the
conditional ``UPDATE ... WHERE consumed_at IS NULL`` matches for exactly one caller, whose
``RETURNING`` row says it was first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from tier0.audit.event import SecurityEvent
from tier0.domain.grants import ConsumedRefresh, RefreshToken
from tier0.storage.sql.models import GrantRow, RefreshTokenRow, UserRow
from tier0.storage.sql.onehop import OneHopTransaction, OneHopWrites
from tier0.storage.sql.repos.chain_append import append_event_sync
from tier0.storage.sql.repos.oauth import _grant, _refresh
from tier0.storage.sql.repos.rotation_sqlite import rotate_sqlite
from tier0.storage.sql.types import require_time
from tier0.storage.write_ports import RotateTo, RotationJudge, RotationVerdict

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


def rotate_core(
    conn: Connection,
    tenant_id: str,
    token_hash: str,
    at: datetime,
    chain_key: bytes,
    judge: RotationJudge,
) -> RotationVerdict:
    """Consume, judge, write the verdict and its event, in ``conn``'s transaction."""
    verdict = judge(_consume(conn, tenant_id, token_hash, at))
    if isinstance(verdict, RotateTo):
        conn.execute(INSERT_TOKEN, token_row(verdict.successor))
    else:
        keys = {"b_tenant": tenant_id, "b_grant": verdict.grant_id, "b_at": at}
        conn.execute(REVOKE_GRANT, keys)
        conn.execute(REVOKE_TOKENS, keys)
    append_event_sync(conn, verdict.event, chain_key)
    return verdict


def _confined(judge: RotationJudge, tenant_id: str) -> RotationJudge:
    """``judge``, held to writing into the tenant whose token it judged."""

    def checked(found: ConsumedRefresh | None) -> RotationVerdict:
        verdict = judge(found)
        tenants = {verdict.event.tenant_id}
        if isinstance(verdict, RotateTo):
            tenants.add(verdict.successor.tenant_id)
        if tenants != {tenant_id}:
            raise ValueError("a rotation's verdict names another tenant")
        return verdict

    return checked


class SqlRefreshRotations:
    """The :class:`~tier0.storage.write_ports.RefreshRotations` port over SQL. ``plain_sqlite``
    (the default) runs the plain-``sqlite3`` version on SQLite; off, SQLite runs the Core
    version too (the contract suite checks both)."""

    def __init__(self, writes: OneHopWrites, *, plain_sqlite: bool = True) -> None:
        self._writes = writes
        self._plain = plain_sqlite and writes.sqlite

    async def rotate(
        self,
        tenant_id: str,
        token_hash: str,
        at: datetime,
        chain_key: bytes,
        judge: RotationJudge,
    ) -> RotationVerdict:
        judge = _confined(judge, tenant_id)
        if self._plain:
            return await self._writes.run_sqlite(
                lambda conn: rotate_sqlite(conn, tenant_id, token_hash, at, chain_key, judge)
            )
        async with self._writes.transaction() as tx:
            verdict: RotationVerdict = await tx.run(
                lambda conn: rotate_core(conn, tenant_id, token_hash, at, chain_key, judge),
                commit=True,
            )
        return verdict
