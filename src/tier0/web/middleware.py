"""Cross-cutting HTTP behaviour: request ids, access logs, baseline security headers.

Pure ASGI middleware (no BaseHTTPMiddleware), so streaming and background tasks keep working
and the cost per request stays small.
"""

from __future__ import annotations

import logging
import re
import time

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier0.crypto.random import random_token
from tier0.logs import enabled_for

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("tier0.http")

BASELINE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
_BASELINE_RAW = tuple((name.encode(), value.encode()) for name, value in BASELINE_HEADERS.items())


def request_id_from(incoming: bytes | None) -> str:
    """An incoming ``X-Request-ID`` if well-formed, else a fresh one."""
    value = (incoming or b"").decode("latin-1")
    return value if _REQUEST_ID.fullmatch(value) else random_token(16)


def add_context_headers(headers: MutableHeaders, request_id: str) -> None:
    """Echo the request id and add the baseline headers a handler did not set.

    Works on the raw list in one pass (``MutableHeaders`` scans and encodes per call): an
    ``X-Request-ID`` the handler set is replaced in place, duplicates dropped, as
    ``headers["x-request-id"] = ...`` does."""
    raw = headers.raw
    echoed = (b"x-request-id", request_id.encode("latin-1"))
    present = {name for name, _ in raw}
    if b"x-request-id" in present:
        first = next(i for i, (name, _) in enumerate(raw) if name == b"x-request-id")
        raw[first] = echoed
        raw[first + 1 :] = [item for item in raw[first + 1 :] if item[0] != b"x-request-id"]
    else:
        raw.append(echoed)
    raw.extend(item for item in _BASELINE_RAW if item[0] not in present)


def bind_request_id(request_id: str) -> None:
    """A fresh log context for this request, carrying its id."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


def log_request(scope: Scope, status: int, started: float) -> None:
    """The access line, without the query string (codes and states travel there)."""
    if not enabled_for(logging.INFO):  # most deployments log at warning: build nothing
        return
    log.info(
        "request",
        method=scope["method"],
        path=scope["path"],
        status=status,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
    )


class RequestContextMiddleware:
    """Give every request an id (an incoming `X-Request-ID` if well-formed), bind it to the
    log context, echo it back, add baseline security headers and log one access line
    without the query string (codes and states travel there)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(dict(scope["headers"]).get(b"x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id
        bind_request_id(request_id)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                add_context_headers(MutableHeaders(scope=message), request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_request(scope, status, started)
