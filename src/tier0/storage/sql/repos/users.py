"""Users."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain import User
from tier0.domain.users import normalize_email
from tier0.storage.ports import UserQuery
from tier0.storage.sql.models import UserRow
from tier0.storage.sql.types import require_time

_PROFILE = (
    "email",
    "email_verified",
    "username",
    "name",
    "given_name",
    "family_name",
    "nickname",
    "picture",
    "blocked",
    "password_hash",
    "last_login",
    "logins_count",
    "last_ip",
)


def _user(row: UserRow) -> User:
    return User(
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        user_metadata=dict(row.user_metadata),
        app_metadata=dict(row.app_metadata),
        created_at=row.created_at,
        updated_at=row.updated_at,
        **{name: getattr(row, name) for name in _PROFILE},
    )


def _copy_into(row: UserRow, user: User) -> None:
    for name in _PROFILE:
        setattr(row, name, getattr(user, name))
    row.email_normalized = normalize_email(user.email)
    row.user_metadata = dict(user.user_metadata)
    row.app_metadata = dict(user.app_metadata)
    if user.updated_at is not None:
        row.updated_at = user.updated_at


class SqlUserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, user: User) -> None:
        created_at = require_time(user.created_at)
        row = UserRow(
            user_id=user.user_id,
            tenant_id=user.tenant_id,
            created_at=created_at,
            updated_at=user.updated_at or created_at,
        )
        _copy_into(row, user)
        self._s.add(row)
        await self._s.flush()

    async def _row(self, tenant_id: str, user_id: str) -> UserRow | None:
        return await self._s.scalar(
            select(UserRow).where(UserRow.tenant_id == tenant_id, UserRow.user_id == user_id)
        )

    async def get(self, tenant_id: str, user_id: str) -> User | None:
        row = await self._row(tenant_id, user_id)
        return _user(row) if row else None

    async def get_by_email(self, tenant_id: str, email: str) -> User | None:
        row = await self._s.scalar(
            select(UserRow).where(
                UserRow.tenant_id == tenant_id,
                UserRow.email_normalized == normalize_email(email),
            )
        )
        return _user(row) if row else None

    async def list(self, tenant_id: str, *, offset: int = 0, limit: int = 100) -> Sequence[User]:
        rows = await self._s.scalars(
            select(UserRow)
            .where(UserRow.tenant_id == tenant_id)
            .order_by(UserRow.created_at, UserRow.user_id)
            .offset(offset)
            .limit(limit)
        )
        return [_user(row) for row in rows]

    async def count(self, tenant_id: str) -> int:
        total = await self._s.scalar(
            select(func.count()).select_from(UserRow).where(UserRow.tenant_id == tenant_id)
        )
        return int(total or 0)

    async def list_after(
        self, tenant_id: str, after: tuple[datetime, str] | None, *, limit: int
    ) -> Sequence[User]:
        """Keyset page in (created_at, user_id) order: stable under inserts, no offset scan."""
        stmt = select(UserRow).where(UserRow.tenant_id == tenant_id)
        if after is not None:
            created, user_id = after
            stmt = stmt.where(
                or_(
                    UserRow.created_at > created,
                    and_(UserRow.created_at == created, UserRow.user_id > user_id),
                )
            )
        rows = await self._s.scalars(
            stmt.order_by(UserRow.created_at, UserRow.user_id).limit(limit)
        )
        return [_user(row) for row in rows]

    async def search(
        self, tenant_id: str, query: UserQuery, *, offset: int = 0, limit: int = 100
    ) -> Sequence[User]:
        rows = await self._s.scalars(
            select(UserRow)
            .where(UserRow.tenant_id == tenant_id, _condition(query))
            .order_by(UserRow.created_at, UserRow.user_id)
            .offset(offset)
            .limit(limit)
        )
        return [_user(row) for row in rows]

    async def count_matching(self, tenant_id: str, query: UserQuery) -> int:
        total = await self._s.scalar(
            select(func.count())
            .select_from(UserRow)
            .where(UserRow.tenant_id == tenant_id, _condition(query))
        )
        return int(total or 0)

    async def update(self, user: User) -> None:
        row = await self._row(user.tenant_id, user.user_id)
        if row is not None:
            _copy_into(row, user)
            await self._s.flush()

    async def delete(self, tenant_id: str, user_id: str) -> bool:
        result = await self._s.execute(
            delete(UserRow).where(UserRow.tenant_id == tenant_id, UserRow.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))


_COLUMNS: dict[str, Any] = {
    "email": UserRow.email_normalized,
    "user_id": UserRow.user_id,
    "username": UserRow.username,
    "name": UserRow.name,
    "nickname": UserRow.nickname,
    "given_name": UserRow.given_name,
    "family_name": UserRow.family_name,
    "blocked": UserRow.blocked,
    "email_verified": UserRow.email_verified,
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _condition(query: UserQuery) -> ColumnElement[bool]:
    """The WHERE clause of one search condition; the column comes from a fixed table and
    the value is always a bound parameter (IV-01)."""
    column = _COLUMNS[query.field]
    value: str | bool = query.value
    if isinstance(value, str) and query.field == "email":
        value = normalize_email(value)
    if query.prefix and isinstance(value, str):
        result: ColumnElement[bool] = column.like(_escape_like(value) + "%", escape="\\")
        return result
    equal: ColumnElement[bool] = column == value
    return equal
