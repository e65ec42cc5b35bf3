"""Grants, authorization codes, refresh tokens, sessions and the replay cache.

Single use is enforced in the database, not in Python: a conditional
``UPDATE … SET consumed_at = :now WHERE … AND consumed_at IS NULL`` inside the caller's
transaction. Under concurrency exactly one caller's update matches (PostgreSQL re-checks the
condition after the row lock; SQLite serialises writers with BEGIN IMMEDIATE), so exactly one
caller is told ``first_use=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain.grants import AuthorizationCode, ConsumeResult, Grant, RefreshToken
from tier0.storage.sql.models import (
    AuthorizationCodeRow,
    GrantRow,
    RefreshTokenRow,
)
from tier0.storage.sql.types import require_time


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _grant(row: GrantRow | Row[Any]) -> Grant:
    return Grant(
        tenant_id=row.tenant_id,
        id=row.id,
        client_id=row.client_id,
        user_id=row.user_id,
        scope=tuple(row.scope),
        audience=row.audience,
        session_id=row.session_id,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        auth_time=row.auth_time,
        acr=row.acr,
        amr=tuple(row.amr or ()),
    )


class SqlGrantRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, grant: Grant) -> None:
        self._s.add(
            GrantRow(
                id=grant.id,
                tenant_id=grant.tenant_id,
                client_id=grant.client_id,
                user_id=grant.user_id,
                scope=list(grant.scope),
                audience=grant.audience,
                session_id=grant.session_id,
                created_at=grant.created_at,
                revoked_at=grant.revoked_at,
                auth_time=grant.auth_time,
                acr=grant.acr,
                amr=list(grant.amr),
            )
        )
        await self._s.flush()

    async def get(self, tenant_id: str, grant_id: str) -> Grant | None:
        row = await self._s.scalar(
            select(GrantRow)
            .where(GrantRow.tenant_id == tenant_id, GrantRow.id == grant_id)
            .execution_options(populate_existing=True)
        )
        return _grant(row) if row else None

    async def revoke(self, tenant_id: str, grant_id: str, at: datetime) -> bool:
        result = await self._s.execute(
            update(GrantRow)
            .where(
                GrantRow.tenant_id == tenant_id,
                GrantRow.id == grant_id,
                GrantRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def revoke_for_user(
        self, tenant_id: str, user_id: str, at: datetime, *, client_id: str | None = None
    ) -> int:
        query = update(GrantRow).where(
            GrantRow.tenant_id == tenant_id,
            GrantRow.user_id == user_id,
            GrantRow.revoked_at.is_(None),
        )
        if client_id is not None:
            query = query.where(GrantRow.client_id == client_id)
        result = await self._s.execute(
            query.values(revoked_at=at).execution_options(synchronize_session=False)
        )
        return _rowcount(result)

    async def list_for_user(self, tenant_id: str, user_id: str) -> Sequence[Grant]:
        rows = await self._s.scalars(
            select(GrantRow)
            .where(
                GrantRow.tenant_id == tenant_id,
                GrantRow.user_id == user_id,
                GrantRow.revoked_at.is_(None),
            )
            .order_by(GrantRow.created_at)
        )
        return [_grant(row) for row in rows]


def _code(row: AuthorizationCodeRow | Row[Any]) -> AuthorizationCode:
    return AuthorizationCode(
        tenant_id=row.tenant_id,
        code_hash=row.code_hash,
        grant_id=row.grant_id,
        client_id=row.client_id,
        user_id=row.user_id,
        redirect_uri=row.redirect_uri,
        scope=tuple(row.scope),
        audience=row.audience,
        nonce=row.nonce,
        code_challenge=row.code_challenge,
        code_challenge_method=row.code_challenge_method,
        auth_time=row.auth_time,
        amr=tuple(row.amr),
        acr=row.acr,
        session_id=row.session_id,
        dpop_jkt=row.dpop_jkt,
        created_at=row.created_at,
        expires_at=row.expires_at,
        consumed_at=row.consumed_at,
    )


class SqlCodeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, code: AuthorizationCode) -> None:
        self._s.add(
            AuthorizationCodeRow(
                code_hash=code.code_hash,
                tenant_id=code.tenant_id,
                grant_id=code.grant_id,
                client_id=code.client_id,
                user_id=code.user_id,
                redirect_uri=code.redirect_uri,
                scope=list(code.scope),
                audience=code.audience,
                nonce=code.nonce,
                code_challenge=code.code_challenge,
                code_challenge_method=code.code_challenge_method,
                auth_time=code.auth_time,
                amr=list(code.amr),
                acr=code.acr,
                session_id=code.session_id,
                dpop_jkt=code.dpop_jkt,
                created_at=require_time(code.created_at),
                expires_at=require_time(code.expires_at),
                consumed_at=code.consumed_at,
            )
        )
        await self._s.flush()

    async def consume(
        self, tenant_id: str, code_hash: str, at: datetime
    ) -> ConsumeResult[AuthorizationCode] | None:
        where = (
            AuthorizationCodeRow.tenant_id == tenant_id,
            AuthorizationCodeRow.code_hash == code_hash,
        )
        result = await self._s.execute(
            update(AuthorizationCodeRow)
            .where(*where, AuthorizationCodeRow.consumed_at.is_(None))
            .values(consumed_at=at)
            .execution_options(synchronize_session=False)
        )
        row = await self._s.scalar(
            select(AuthorizationCodeRow).where(*where).execution_options(populate_existing=True)
        )
        if row is None:
            return None
        return ConsumeResult(_code(row), _rowcount(result) == 1)

    async def purge_expired(self, before: datetime) -> int:
        result = await self._s.execute(
            delete(AuthorizationCodeRow).where(AuthorizationCodeRow.expires_at < before)
        )
        return _rowcount(result)


def _refresh(row: RefreshTokenRow | Row[Any]) -> RefreshToken:
    return RefreshToken(
        tenant_id=row.tenant_id,
        token_hash=row.token_hash,
        grant_id=row.grant_id,
        client_id=row.client_id,
        user_id=row.user_id,
        scope=tuple(row.scope),
        audience=row.audience,
        parent_hash=row.parent_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        idle_expires_at=row.idle_expires_at,
        consumed_at=row.consumed_at,
        revoked_at=row.revoked_at,
    )


class SqlRefreshTokenRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, token: RefreshToken) -> None:
        self._s.add(
            RefreshTokenRow(
                token_hash=token.token_hash,
                tenant_id=token.tenant_id,
                grant_id=token.grant_id,
                client_id=token.client_id,
                user_id=token.user_id,
                scope=list(token.scope),
                audience=token.audience,
                parent_hash=token.parent_hash,
                created_at=require_time(token.created_at),
                expires_at=require_time(token.expires_at),
                idle_expires_at=require_time(token.idle_expires_at),
                consumed_at=token.consumed_at,
                revoked_at=token.revoked_at,
            )
        )
        await self._s.flush()

    def _where(self, tenant_id: str, token_hash: str) -> tuple[Any, ...]:
        return (RefreshTokenRow.tenant_id == tenant_id, RefreshTokenRow.token_hash == token_hash)

    async def get(self, tenant_id: str, token_hash: str) -> RefreshToken | None:
        row = await self._s.scalar(
            select(RefreshTokenRow)
            .where(*self._where(tenant_id, token_hash))
            .execution_options(populate_existing=True)
        )
        return _refresh(row) if row else None

    async def consume(
        self, tenant_id: str, token_hash: str, at: datetime
    ) -> ConsumeResult[RefreshToken] | None:
        result = await self._s.execute(
            update(RefreshTokenRow)
            .where(*self._where(tenant_id, token_hash), RefreshTokenRow.consumed_at.is_(None))
            .values(consumed_at=at)
            .execution_options(synchronize_session=False)
        )
        found = await self.get(tenant_id, token_hash)
        return ConsumeResult(found, _rowcount(result) == 1) if found else None

    async def revoke(self, tenant_id: str, token_hash: str, at: datetime) -> bool:
        result = await self._s.execute(
            update(RefreshTokenRow)
            .where(*self._where(tenant_id, token_hash), RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def revoke_family(self, tenant_id: str, grant_id: str, at: datetime) -> int:
        result = await self._s.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.tenant_id == tenant_id,
                RefreshTokenRow.grant_id == grant_id,
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)

    async def list_for_user(self, tenant_id: str, user_id: str) -> Sequence[RefreshToken]:
        rows = await self._s.scalars(
            select(RefreshTokenRow)
            .where(
                RefreshTokenRow.tenant_id == tenant_id,
                RefreshTokenRow.user_id == user_id,
                RefreshTokenRow.revoked_at.is_(None),
                RefreshTokenRow.consumed_at.is_(None),
            )
            .order_by(RefreshTokenRow.created_at)
        )
        return [_refresh(row) for row in rows]
