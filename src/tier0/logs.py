"""Structured JSON logs (structlog), one line per event, never a secret.

Values under keys that name secrets are replaced before rendering, as a second line of
defence behind "don't log it": a mistake must not put a token into a log shipper. CR and LF
in values are escaped by the JSON renderer, so a crafted username cannot forge a line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_KEYS = frozenset(
    {
        "password",
        "new_password",
        "current_password",
        "client_secret",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "code",
        "code_verifier",
        "authorization",
        "cookie",
        "set-cookie",
        "otp",
        "client_assertion",
    }
)


def _redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.lower() in SECRET_KEYS:
            event[key] = "[redacted]"
    return event


_DRIVER_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")


def ensure_logging(level: str = "info") -> None:
    """Configure logging unless something already did.

    structlog's unconfigured default is a development console renderer that, with `rich`
    installed, prints tracebacks with every frame's local variables: a password or token in
    a local would reach stderr, and rendering one such traceback took seconds. Every entry
    point (the app factory, the CLI) therefore starts from the JSON configuration below.
    Only structlog is configured here: the standard library's root handlers belong to
    whoever embeds the app (`tier0 serve` configures both).
    """
    if not structlog.is_configured():
        _configure_structlog(level)


def enabled_for(level: int) -> bool:
    """Whether a line at ``level`` would be written under the configuration in force now.

    For lines on the hot path (the access line): with ``cache_logger_on_first_use`` off,
    every call through a lazy logger proxy builds a bound logger and its output logger
    before the level filter drops the line. Asking first costs one attribute read. The
    configuration is read on every call, so reconfiguring (a test at debug, a host) takes
    effect at once; a wrapper class without a level (not a filtering one) means "written".
    """
    wrapper = structlog.get_config()["wrapper_class"]
    effective = getattr(wrapper, "get_effective_level", None)
    # The filtering classes' level methods ignore ``self``: the class can stand in for it.
    return effective is None or level >= effective(wrapper)


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    # Whatever sys.stderr is when the line is written, not when logging was configured:
    # an embedding host (a test runner, a daemon manager) may swap it.
    return structlog.PrintLogger(sys.stderr)


def _configure_structlog(level: str) -> int:
    numeric: int = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    return numeric


def configure_logging(level: str = "info") -> None:
    """Route structlog and the standard library through one JSON renderer on stderr."""
    numeric = _configure_structlog(level)
    logging.basicConfig(level=numeric, stream=sys.stderr, format="%(message)s", force=True)
    # uvicorn's access log prints full request lines, query strings included: codes and
    # states would end up in it. Our middleware logs requests without the query instead.
    logging.getLogger("uvicorn.access").disabled = True
    # SQLAlchemy logs every statement with its parameters at info, the drivers at debug:
    # sealed columns, keyed hashes and metadata in clear. tier0's log level is for tier0's
    # own lines (LG-02: no personal datum in any sink), so these only ever say warnings.
    for driver in _DRIVER_LOGGERS:
        logging.getLogger(driver).setLevel(max(numeric, logging.WARNING))
