"""The plain-sqlite3 hot paths store values exactly as SQLAlchemy's column types do: other
statements compare the same columns as text (expiry purges, searches by time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from tier0.storage.sql.sqlite_values import db_json, db_time, py_json, py_time
from tier0.storage.sql.types import JsonType, UTCDateTime

_DIALECT = sqlite.dialect()
_TIME = UTCDateTime().dialect_impl(_DIALECT)
_JSON = JsonType.dialect_impl(_DIALECT)
# Hypothesis takes naive bounds and attaches the zone itself.
_aware = st.datetimes(
    min_value=datetime(1970, 1, 2),  # noqa: DTZ001
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def _bind(impl: Any, value: Any) -> Any:
    return impl.bind_processor(_DIALECT)(value)


def _result(impl: Any, value: Any) -> Any:
    return impl.result_processor(_DIALECT, None)(value)


@given(_aware, st.integers(min_value=-12, max_value=12))
def test_timestamps_are_stored_and_read_as_sqlalchemy_does(moment: datetime, hours: int) -> None:
    local = moment.astimezone(timezone(timedelta(hours=hours)))
    assert db_time(local) == _bind(_TIME, local)
    assert py_time(db_time(local)) == _result(_TIME, _bind(_TIME, local)) == moment


def test_none_and_naive_timestamps() -> None:
    assert db_time(None) is None and py_time(None) is None
    with pytest.raises(ValueError, match="naive"):
        db_time(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


@given(st.lists(st.text(max_size=8), max_size=5))
def test_json_is_stored_and_read_as_sqlalchemy_does(values: list[str]) -> None:
    assert db_json(values) == _bind(_JSON, values)
    assert py_json(db_json(values)) == _result(_JSON, _bind(_JSON, values)) == values
    assert py_json(None) is None
