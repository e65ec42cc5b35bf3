"""MFA factors and recovery codes. Single use is a conditional UPDATE, as for codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain.mfa import FactorKind, MfaFactor
from tier0.storage.sql.models.mfa import MfaFactorRow, RecoveryCodeRow
from tier0.storage.sql.models.mfa_extra import PasskeyRow
from tier0.storage.sql.types import require_time


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _factor(row: MfaFactorRow) -> MfaFactor:
    return MfaFactor(
        tenant_id=row.tenant_id,
        id=row.id,
        user_id=row.user_id,
        kind=FactorKind(row.kind),
        sealed_secret=row.sealed_secret,
        last_step=row.last_step,
        confirmed_at=row.confirmed_at,
        created_at=row.created_at,
    )


class SqlMfaRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, factor: MfaFactor) -> None:
        self._s.add(
            MfaFactorRow(
                id=factor.id,
                tenant_id=factor.tenant_id,
                user_id=factor.user_id,
                kind=factor.kind.value,
                sealed_secret=factor.sealed_secret,
                last_step=factor.last_step,
                confirmed_at=factor.confirmed_at,
                created_at=require_time(factor.created_at),
            )
        )
        await self._s.flush()

    async def get(self, tenant_id: str, factor_id: str) -> MfaFactor | None:
        row = await self._s.scalar(
            select(MfaFactorRow)
            .where(MfaFactorRow.tenant_id == tenant_id, MfaFactorRow.id == factor_id)
            .execution_options(populate_existing=True)
        )
        return _factor(row) if row else None

    async def has_second_factor(self, tenant_id: str, user_id: str) -> bool:
        """Whether the user has a confirmed factor or a passkey: one query, no rows loaded
        (every password sign-in asks)."""
        confirmed = exists().where(
            MfaFactorRow.tenant_id == tenant_id,
            MfaFactorRow.user_id == user_id,
            MfaFactorRow.confirmed_at.is_not(None),
        )
        passkey = exists().where(PasskeyRow.tenant_id == tenant_id, PasskeyRow.user_id == user_id)
        return bool(await self._s.scalar(select(or_(confirmed, passkey))))

    async def list_for_user(self, tenant_id: str, user_id: str) -> Sequence[MfaFactor]:
        rows = await self._s.scalars(
            select(MfaFactorRow)
            .where(MfaFactorRow.tenant_id == tenant_id, MfaFactorRow.user_id == user_id)
            .order_by(MfaFactorRow.created_at)
        )
        return [_factor(row) for row in rows]

    async def confirm(self, tenant_id: str, factor_id: str, at: datetime) -> None:
        await self._s.execute(
            update(MfaFactorRow)
            .where(MfaFactorRow.tenant_id == tenant_id, MfaFactorRow.id == factor_id)
            .values(confirmed_at=at)
            .execution_options(synchronize_session=False)
        )

    async def advance_step(self, tenant_id: str, factor_id: str, step: int) -> bool:
        """Record ``step`` as used, only if it is newer than the last one (MF-01)."""
        result = await self._s.execute(
            update(MfaFactorRow)
            .where(
                MfaFactorRow.tenant_id == tenant_id,
                MfaFactorRow.id == factor_id,
                or_(MfaFactorRow.last_step.is_(None), MfaFactorRow.last_step < step),
            )
            .values(last_step=step)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def delete(self, tenant_id: str, factor_id: str) -> bool:
        result = await self._s.execute(
            delete(MfaFactorRow).where(
                MfaFactorRow.tenant_id == tenant_id, MfaFactorRow.id == factor_id
            )
        )
        return _rowcount(result) == 1

    async def delete_for_user(self, tenant_id: str, user_id: str) -> int:
        factors = await self._s.execute(
            delete(MfaFactorRow).where(
                MfaFactorRow.tenant_id == tenant_id, MfaFactorRow.user_id == user_id
            )
        )
        await self._s.execute(
            delete(RecoveryCodeRow).where(
                RecoveryCodeRow.tenant_id == tenant_id, RecoveryCodeRow.user_id == user_id
            )
        )
        return _rowcount(factors)

    async def replace_recovery_codes(
        self, tenant_id: str, user_id: str, hashes: Sequence[str], at: datetime
    ) -> None:
        """A new set; every code of the old set stops working at once (MF-02)."""
        await self._s.execute(
            delete(RecoveryCodeRow).where(
                RecoveryCodeRow.tenant_id == tenant_id, RecoveryCodeRow.user_id == user_id
            )
        )
        for code_hash in hashes:
            self._s.add(
                RecoveryCodeRow(
                    tenant_id=tenant_id, code_hash=code_hash, user_id=user_id, created_at=at
                )
            )
        await self._s.flush()

    async def use_recovery_code(
        self, tenant_id: str, user_id: str, code_hash: str, at: datetime
    ) -> bool:
        result = await self._s.execute(
            update(RecoveryCodeRow)
            .where(
                RecoveryCodeRow.tenant_id == tenant_id,
                RecoveryCodeRow.user_id == user_id,
                RecoveryCodeRow.code_hash == code_hash,
                RecoveryCodeRow.used_at.is_(None),
            )
            .values(used_at=at)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def recovery_codes_left(self, tenant_id: str, user_id: str) -> int:
        total = await self._s.scalar(
            select(func.count())
            .select_from(RecoveryCodeRow)
            .where(
                RecoveryCodeRow.tenant_id == tenant_id,
                RecoveryCodeRow.user_id == user_id,
                RecoveryCodeRow.used_at.is_(None),
            )
        )
        return int(total or 0)
