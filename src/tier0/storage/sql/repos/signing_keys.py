"""SQL implementation of the :class:`~tier0.keys.store.KeyStore` port."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.keys.model import KeyState
from tier0.keys.store import StoredSigningKey
from tier0.storage.ports import UnitOfWork
from tier0.storage.sql.models.directory import TenantRow
from tier0.storage.sql.models.signing_keys import SigningKeyRow
from tier0.storage.sql.repos import SqlUnitOfWork


def _stored(row: SigningKeyRow) -> StoredSigningKey:
    return StoredSigningKey(
        tenant_id=row.tenant_id,
        kid=row.kid,
        alg=row.alg,
        state=KeyState(row.state),
        created_at=row.created_at,
        activated_at=row.activated_at,
        retired_at=row.retired_at,
        not_after=row.not_after,
        public_jwk=dict(row.public_jwk),
        sealed_private_jwk=bytes(row.private_jwk),
    )


class SqlKeyStore:
    """Signing keys on one SQL session; every query is scoped to one tenant (AC-02)."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def lock(self, tenant_id: str) -> None:
        # PostgreSQL: a row lock on the tenant queues concurrent rotations. SQLite ignores
        # FOR UPDATE, but its write transactions start with BEGIN IMMEDIATE and so queue too.
        await self._s.execute(
            select(TenantRow.id).where(TenantRow.id == tenant_id).with_for_update()
        )

    async def list(self, tenant_id: str) -> Sequence[StoredSigningKey]:
        rows = await self._s.scalars(
            select(SigningKeyRow)
            .where(SigningKeyRow.tenant_id == tenant_id)
            .order_by(SigningKeyRow.created_at, SigningKeyRow.kid)
        )
        return [_stored(row) for row in rows]

    async def add(self, key: StoredSigningKey) -> None:
        self._s.add(
            SigningKeyRow(
                kid=key.kid,
                tenant_id=key.tenant_id,
                alg=key.alg,
                state=key.state.value,
                created_at=key.created_at,
                activated_at=key.activated_at,
                retired_at=key.retired_at,
                not_after=key.not_after,
                public_jwk=dict(key.public_jwk),
                private_jwk=key.sealed_private_jwk,
            )
        )
        await self._s.flush()

    async def update(self, key: StoredSigningKey) -> None:
        await self._s.execute(
            update(SigningKeyRow)
            .where(SigningKeyRow.tenant_id == key.tenant_id, SigningKeyRow.kid == key.kid)
            .values(
                state=key.state.value,
                activated_at=key.activated_at,
                retired_at=key.retired_at,
                not_after=key.not_after,
            )
        )

    async def delete(self, tenant_id: str, kids: Sequence[str]) -> int:
        if not kids:
            return 0
        result = await self._s.execute(
            delete(SigningKeyRow).where(
                SigningKeyRow.tenant_id == tenant_id, SigningKeyRow.kid.in_(list(kids))
            )
        )
        return int(getattr(result, "rowcount", 0))


def sql_key_store(uow: UnitOfWork) -> SqlKeyStore:
    """The KeyStore on the session of an SQL unit of work (the container's store factory)."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("SqlKeyStore needs an SQL unit of work")
    return SqlKeyStore(uow.session)
