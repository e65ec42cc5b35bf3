"""Search conditions on the users table: plain columns compare in SQL, an exact email
through its blind index; sealed fields return ``None`` and are matched after decryption."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from tier0.domain.users import normalize_email
from tier0.secrets.fields import TenantFields
from tier0.storage.ports import UserQuery
from tier0.storage.sql.models import UserRow

_PLAIN_COLUMNS: dict[str, Any] = {
    "user_id": UserRow.user_id,
    "username": UserRow.username,
    "blocked": UserRow.blocked,
    "email_verified": UserRow.email_verified,
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def condition(query: UserQuery, fields: TenantFields) -> ColumnElement[bool] | None:
    """The WHERE clause of one search condition, or ``None`` for a sealed field that must be
    matched after decryption. Columns come from a fixed table and values are always bound
    parameters (IV-01); an exact email matches through its blind index."""
    if query.field == "email" and not query.prefix and isinstance(query.value, str):
        by_index: ColumnElement[bool] = UserRow.email_index == fields.index(
            normalize_email(query.value)
        )
        return by_index
    column = _PLAIN_COLUMNS.get(query.field)
    if column is None:
        return None
    if query.prefix and isinstance(query.value, str):
        result: ColumnElement[bool] = column.like(_escape_like(query.value) + "%", escape="\\")
        return result
    equal: ColumnElement[bool] = column == query.value
    return equal
