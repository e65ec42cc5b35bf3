"""Injectable time.

Every piece of tier0 that needs "now" takes a :class:`Clock` instead of calling
``datetime.now()``, so tests can freeze and move time instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of the current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, benchmarks)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 1, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> None:
        """Move forward by a timedelta or a number of seconds."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += step

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self._now = when.astimezone(UTC)


def epoch(moment: datetime) -> int:
    """Seconds since the Unix epoch, as JWT NumericDate wants (RFC 7519 §2)."""
    return int(moment.timestamp())


def epoch_reader(clock: Clock) -> Callable[[], float]:
    """Epoch seconds from `clock`: `time.time` itself for the system clock (what
    `datetime.now(UTC).timestamp()` computes, without building a datetime), so tests that
    freeze or move a clock still drive every window."""
    if type(clock) is SystemClock:
        return time.time
    return lambda: clock.now().timestamp()
