"""Recognising a database that is unreachable or stalled, so callers answer 503, not 500.

A timeout or a dropped connection is the infrastructure's state, not a bug: clients should
retry (RFC 9110 §15.6.4, ``Retry-After``), and alerting should see an outage rather than a
flood of internal errors.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

__all__ = ["database_unavailable"]

_TRANSIENT = (
    TimeoutError,
    ConnectionError,
    sa_exc.TimeoutError,  # no pooled connection within pool_timeout
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
)


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) means the database cannot be reached now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _TRANSIENT):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False
