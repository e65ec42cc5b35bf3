"""Domain errors, free of HTTP. Each surface (CLI, management API, login UI) renders them.

Messages are safe to show to the caller: they never contain a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class Tier0Error(Exception):
    """Base of every expected, domain-level failure."""

    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(Tier0Error):
    """The caller sent something malformed or out of range."""

    code = "invalid_input"


class NotFound(Tier0Error):
    """The named object does not exist (or is not visible to the caller)."""

    code = "not_found"


class Conflict(Tier0Error):
    """The object would clash with an existing one (a duplicate name, email or identifier)."""

    code = "conflict"


class Unavailable(Tier0Error):
    """A dependency is overloaded or unreachable; the caller may retry later."""

    code = "temporarily_unavailable"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def first_validation_error(errors: Iterable[Mapping[str, Any]]) -> str:
    """``where: what`` of the first of pydantic's errors (``ValidationError.errors()``), on
    one line: the CLI promises a one-line error, and ``str()`` of pydantic's error spans
    several lines and ends with a link to pydantic's documentation."""
    first = next(iter(errors), None)
    if first is None:
        return "bad value"
    where = ".".join(str(part) for part in first.get("loc", ()))
    what = " ".join(str(first.get("msg", "bad value")).split())
    return f"{where}: {what}" if where else what
