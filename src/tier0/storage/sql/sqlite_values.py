"""Column values for plain ``sqlite3`` statements, in exactly the form SQLAlchemy stores them.

The hot write paths (:meth:`~tier0.storage.sql.onehop.OneHopWrites.run_sqlite`) bypass
SQLAlchemy's type processing, but every other reader and writer of the same tables goes
through it, and SQL compares timestamps as text. So a timestamp is naive UTC as
``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's SQLite ``DATETIME`` format, see
:class:`~tier0.storage.sql.types.UTCDateTime`), a JSON column is ``json.dumps`` with the
default separators, a boolean is 0 or 1. ``tests/storage/test_sqlite_values.py`` holds
these to SQLAlchemy's own processors.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

__all__ = ["db_json", "db_time", "py_json", "py_time"]


def db_time(value: datetime | None) -> str | None:
    """A timezone-aware datetime as stored; naive ones are refused, as by UTCDateTime."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTCDateTime column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def py_time(text: str | None) -> datetime | None:
    """A stored timestamp back as an aware UTC datetime."""
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def db_json(value: Any) -> str:
    return json.dumps(value)


def py_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
