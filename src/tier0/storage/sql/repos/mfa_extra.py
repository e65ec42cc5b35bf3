"""Passkeys and email one-time codes. Counters and single use are conditional statements,
so two parallel requests cannot both pass (MF-03, BF-04)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain.mfa import EmailCode, Passkey
from tier0.storage.sql.models.mfa_extra import EmailCodeRow, PasskeyRow
from tier0.storage.sql.types import require_time


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _passkey(row: PasskeyRow) -> Passkey:
    return Passkey(
        tenant_id=row.tenant_id,
        id=row.id,
        user_id=row.user_id,
        credential_id=row.credential_id,
        public_key=bytes(row.public_key),
        sign_count=row.sign_count,
        transports=tuple(row.transports),
        aaguid=row.aaguid,
        backed_up=row.backed_up,
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


class SqlPasskeyRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, passkey: Passkey) -> None:
        self._s.add(
            PasskeyRow(
                id=passkey.id,
                tenant_id=passkey.tenant_id,
                user_id=passkey.user_id,
                credential_id=passkey.credential_id,
                public_key=passkey.public_key,
                sign_count=passkey.sign_count,
                transports=list(passkey.transports),
                aaguid=passkey.aaguid,
                backed_up=passkey.backed_up,
                name=passkey.name,
                created_at=require_time(passkey.created_at),
                last_used_at=None,
            )
        )
        await self._s.flush()

    async def list_for_user(self, tenant_id: str, user_id: str) -> Sequence[Passkey]:
        rows = await self._s.scalars(
            select(PasskeyRow)
            .where(PasskeyRow.tenant_id == tenant_id, PasskeyRow.user_id == user_id)
            .order_by(PasskeyRow.created_at)
        )
        return [_passkey(row) for row in rows]

    async def find(self, tenant_id: str, credential_id: str) -> Passkey | None:
        row = await self._s.scalar(
            select(PasskeyRow)
            .where(PasskeyRow.tenant_id == tenant_id, PasskeyRow.credential_id == credential_id)
            .execution_options(populate_existing=True)
        )
        return _passkey(row) if row else None

    async def record_use(
        self, tenant_id: str, passkey_id: str, sign_count: int, at: datetime
    ) -> bool:
        """Store the new counter, only if it moved forward (or the authenticator keeps none:
        both zero, WebAuthn L2 §6.1.1). False: a parallel use got there first."""
        moved = (
            PasskeyRow.sign_count == 0 if sign_count == 0 else PasskeyRow.sign_count < sign_count
        )
        result = await self._s.execute(
            update(PasskeyRow)
            .where(PasskeyRow.tenant_id == tenant_id, PasskeyRow.id == passkey_id, moved)
            .values(sign_count=sign_count, last_used_at=at)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def delete(self, tenant_id: str, user_id: str, passkey_id: str) -> bool:
        result = await self._s.execute(
            delete(PasskeyRow).where(
                PasskeyRow.tenant_id == tenant_id,
                PasskeyRow.user_id == user_id,
                PasskeyRow.id == passkey_id,
            )
        )
        return _rowcount(result) == 1

    async def delete_for_user(self, tenant_id: str, user_id: str) -> int:
        result = await self._s.execute(
            delete(PasskeyRow).where(
                PasskeyRow.tenant_id == tenant_id, PasskeyRow.user_id == user_id
            )
        )
        return _rowcount(result)


class SqlEmailCodeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def put(self, code: EmailCode) -> None:
        """The user's one live code: a new one replaces the old."""
        await self.delete(code.tenant_id, code.user_id)
        self._s.add(
            EmailCodeRow(
                tenant_id=code.tenant_id,
                user_id=code.user_id,
                code_hash=code.code_hash,
                created_at=code.created_at,
                expires_at=code.expires_at,
            )
        )
        await self._s.flush()

    async def get(self, tenant_id: str, user_id: str) -> EmailCode | None:
        row = await self._s.scalar(
            select(EmailCodeRow).where(
                EmailCodeRow.tenant_id == tenant_id, EmailCodeRow.user_id == user_id
            )
        )
        if row is None:
            return None
        return EmailCode(row.tenant_id, row.user_id, row.code_hash, row.created_at, row.expires_at)

    async def consume(self, tenant_id: str, user_id: str, code_hash: str, now: datetime) -> bool:
        """Delete the code if it is this one and alive: True exactly once."""
        result = await self._s.execute(
            delete(EmailCodeRow).where(
                EmailCodeRow.tenant_id == tenant_id,
                EmailCodeRow.user_id == user_id,
                EmailCodeRow.code_hash == code_hash,
                EmailCodeRow.expires_at > now,
            )
        )
        return _rowcount(result) == 1

    async def delete(self, tenant_id: str, user_id: str) -> None:
        await self._s.execute(
            delete(EmailCodeRow).where(
                EmailCodeRow.tenant_id == tenant_id, EmailCodeRow.user_id == user_id
            )
        )
