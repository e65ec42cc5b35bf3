"""Rendering domain errors and unexpected failures for HTTP callers.

Unexpected exceptions never reach the client as a traceback: they become a generic 500 and
the cause goes to the log only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from tier0.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    Tier0Error,
    Unavailable,
    first_validation_error,
)
from tier0.storage.unavailable import database_unavailable

log = structlog.get_logger("tier0.errors")

_STATUS: dict[type[Tier0Error], int] = {
    InvalidInput: 400,
    NotFound: 404,
    Conflict: 409,
    Unavailable: 503,
}
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem(
    status: int, detail: str, *, code: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An RFC 9457 problem document that also carries Auth0's error members
    (`statusCode`, `error`, `message`, `errorCode`), so Auth0 SDKs read it too."""
    title = _REASONS.get(status, "Error")
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "statusCode": status,
        "error": title,
        "message": detail,
        "errorCode": code,
    }
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def status_of(error: Tier0Error) -> int:
    for kind, status in _STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Tier0Error)
    async def _domain(_request: Request, exc: Tier0Error) -> JSONResponse:
        headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, Unavailable) else None
        return problem(status_of(exc), exc.message, code=exc.code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = f"invalid request: {first_validation_error(exc.errors())}"
        return problem(400, detail[:300], code="invalid_body")

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else _REASONS.get(exc.status_code, "")
        code = _REASONS.get(exc.status_code, "error").lower().replace(" ", "_")
        return problem(exc.status_code, detail, code=code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            log.warning("database_unavailable", error_type=type(exc).__name__)
            return problem(
                503,
                "the database is unavailable; retry shortly",
                code="temporarily_unavailable",
                headers={"retry-after": "1"},
            )
        log.error("unhandled_exception", error_type=type(exc).__name__, exc_info=exc)
        return problem(500, "internal error", code="server_error")
