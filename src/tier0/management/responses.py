"""Documented error responses: every operation lists the problem+json answers it can give
(RFC 9457 with Auth0's ``statusCode``/``error``/``message``/``errorCode`` members)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from tier0.management.schemas.common import Out

_DESCRIPTIONS = {
    400: "Invalid request (`invalid_body`, `invalid_input`, `invalid_query_string`).",
    401: "Missing or invalid bearer token (`WWW-Authenticate: Bearer`).",
    403: "The token lacks the operation's scope (`insufficient_scope`).",
    404: "No such object in this tenant.",
    409: "The change clashes with an existing object.",
    429: "Rate limit reached (`too_many_requests`, `Retry-After`).",
    500: "Unexpected server error (no details are disclosed).",
}


class Problem(Out):
    """RFC 9457 problem details plus Auth0's error members."""

    type: str
    title: str
    status: int
    detail: str
    statusCode: int  # Auth0's member names from here on
    error: str
    message: str
    errorCode: str


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` map for the given error statuses, plus 429 and 500, which any
    operation can answer."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {"application/problem+json": {"schema": schema}},
        }
        for status in (*statuses, 429, 500)
    }


def no_content() -> Response:
    return Response(status_code=204)
