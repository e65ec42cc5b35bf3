"""Which failures count as "the database is unavailable" (503) rather than a bug (500)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc

from tier0.storage.unavailable import database_unavailable


def wrapped(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as cause:
            raise RuntimeError("while handling a request") from cause
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError(),
        ConnectionRefusedError(),
        sa_exc.TimeoutError("pool exhausted"),
        sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
        wrapped(TimeoutError()),
    ],
)
def test_outages_are_unavailable(error: BaseException) -> None:
    assert database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad input"),
        KeyError("x"),
        sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
    ],
)
def test_bugs_and_constraint_violations_are_not(error: BaseException) -> None:
    assert not database_unavailable(error)
