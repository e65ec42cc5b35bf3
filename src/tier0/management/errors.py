"""Bearer-token failures of the management API and how they are rendered.

RFC 6750 §3: a request without credentials gets 401 with ``WWW-Authenticate: Bearer`` and no
error code; an invalid token gets ``error="invalid_token"`` (401); a valid token that lacks
the scope gets ``error="insufficient_scope"`` (403). The body is problem+json with Auth0's
members, so Auth0 SDKs read ``errorCode`` and ``message`` as they do against Auth0.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

from tier0.errors import InvalidInput
from tier0.web.errors import problem


class BearerError(Exception):
    """Base: a management request that is not authorized. Messages are safe to show."""

    status: int = 401
    code: str = "invalid_token"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def challenge(self) -> str:
        return f'Bearer error="{self.code}"'


class MissingToken(BearerError):
    """No bearer token was sent (RFC 6750 §3.1: no error code in the challenge)."""

    code = "missing_token"

    def __init__(self) -> None:
        super().__init__("Missing authentication")

    def challenge(self) -> str:
        return "Bearer"


class InvalidToken(BearerError):
    """The token is malformed, expired, for another tenant or audience, or unsigned by us."""

    def __init__(self) -> None:
        super().__init__("Invalid token")


class InsufficientScope(BearerError):
    """A valid token without the operation's scope."""

    status = 403
    code = "insufficient_scope"

    def __init__(self, required: str) -> None:
        super().__init__(f"Insufficient scope, expected any of: {required}")
        self.required = required

    def challenge(self) -> str:
        return f'Bearer error="insufficient_scope", scope="{self.required}"'


class StepUpRequired(BearerError):
    """A privileged operation with a token issued too long ago (AC-05). The challenge is
    RFC 9470's: ``error="insufficient_user_authentication"`` with ``max_age``, telling the
    client to authenticate again (a new client-credentials token) and retry."""

    status = 403
    code = "step_up_required"

    def __init__(self, max_age: int) -> None:
        super().__init__(
            f"This operation needs a token issued within the last {max_age} seconds; "
            "request a new one and retry"
        )
        self.max_age = max_age

    def challenge(self) -> str:
        return f'Bearer error="insufficient_user_authentication", max_age={self.max_age}'


def install_bearer_errors(app: FastAPI) -> None:
    @app.exception_handler(BearerError)
    async def _bearer(_request: Request, exc: BearerError) -> JSONResponse:
        return problem(
            exc.status, exc.message, code=exc.code, headers={"www-authenticate": exc.challenge()}
        )


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


async def no_control_characters(request: Request) -> None:
    """Refuse control characters in the path and query with a 400 before any lookup: no id,
    email or filter needs one, and PostgreSQL refuses NUL in text (a 500 otherwise)."""
    values = [*request.path_params.values(), *request.query_params.values()]
    if any(isinstance(v, str) and _has_control(v) for v in values):
        raise InvalidInput("control characters are not allowed in the path or query")
