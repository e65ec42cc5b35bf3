"""The one place OAuth errors of the token side become HTTP responses (STYLE.md rule 9).

RFC 6749 §5.2: error responses are JSON with ``error`` and ``error_description``; §5.1: token
responses carry "Cache-Control: no-store" and "Pragma: no-cache" (tier0 sends them on errors
too). For ``invalid_client``: "If the client attempted to authenticate via the
"Authorization" request header field, the authorization server MUST respond with an HTTP
401 (Unauthorized) status code and include the "WWW-Authenticate" response header field
matching the authentication scheme used by the client." Resource endpoints (/userinfo)
answer with a ``WWW-Authenticate: Bearer`` challenge instead (RFC 6750 §3). An unexpected
exception is ``server_error``; its cause goes to the log only.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tier0.protocol.client_auth import ClientThrottled
from tier0.protocol.errors import InvalidClient, OAuthError, ServerError, TemporarilyUnavailable
from tier0.storage.unavailable import database_unavailable
from tier0.web.oauth.refusals import report_client_throttled
from tier0.web.rate_limit import RateLimited, too_many_requests

__all__ = ["NO_STORE", "bearer_challenge", "json_no_store", "oauth_json_errors"]

log = structlog.get_logger("tier0.oauth")

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
REALM = "tier0"


class _NoStoreJson(JSONResponse):
    """Starlette's JSON rendering (compact, UTF-8, no NaN) through one prebuilt encoder."""

    def render(self, content: Any) -> bytes:
        return _JSON.encode(content).encode("utf-8")


_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def json_no_store(body: dict[str, Any], status_code: int = 200) -> JSONResponse:
    return _NoStoreJson(body, status_code=status_code, headers=dict(NO_STORE))


def _used_basic(request: Request) -> bool:
    return request.headers.get("authorization", "").strip().lower().startswith("basic ")


def _log(error: OAuthError, request: Request) -> None:
    log.info(
        "oauth_error",
        path=request.url.path,
        error=error.error,
        debug=error.debug,
    )


def oauth_error_response(error: OAuthError, request: Request) -> JSONResponse:
    """RFC 6749 §5.2 JSON for the token, revocation and introspection endpoints."""
    _log(error, request)
    response = json_no_store(error.to_json(), error.status_code)
    if isinstance(error, InvalidClient) and _used_basic(request):
        response.headers["www-authenticate"] = f'Basic realm="{REALM}"'
    return response


def bearer_challenge(error: OAuthError | None) -> str:
    """``WWW-Authenticate: Bearer`` (RFC 6750 §3): no error code when no token was sent."""
    if error is None:
        return f'Bearer realm="{REALM}"'
    # OAuthError descriptions are already limited to the RFC 6749 §5.2 character set,
    # which has no '"' or '\', so they cannot break out of the quoted string.
    return f'Bearer realm="{REALM}", error="{error.error}", error_description="{error.description}"'


def bearer_error_response(error: OAuthError, request: Request) -> JSONResponse:
    """A resource-endpoint error: status from the error, a Bearer challenge, JSON body."""
    _log(error, request)
    response = json_no_store(error.to_json(), error.status_code)
    response.headers["www-authenticate"] = bearer_challenge(error)
    return response


def too_many_attempts(retry_after: int) -> JSONResponse:
    """429 after too many wrong client secrets (BF-04), in the shape the rate limiter uses
    for this surface (Auth0's ``too_many_requests``), with ``Retry-After``."""
    body = {
        "error": "too_many_requests",
        "error_description": f"Too many failed attempts. Retry after {retry_after} seconds.",
    }
    response = json_no_store(body, 429)
    response.headers["retry-after"] = str(retry_after)
    return response


Handler = Callable[[], Awaitable[Response]]
Renderer = Callable[[OAuthError, Request], JSONResponse]


async def oauth_json_errors(
    request: Request, handler: Handler, render: Renderer = oauth_error_response
) -> Response:
    """Run ``handler``; protocol errors and unexpected failures become OAuth JSON. A
    refused client secret is reported (:mod:`tier0.web.oauth.refusals`) and answered 429."""
    try:
        return await handler()
    except OAuthError as error:
        return render(error, request)
    except ClientThrottled as throttled:
        await report_client_throttled(request, throttled)
        return too_many_attempts(throttled.retry_after)
    except RateLimited as limited:
        # A limit a handler counted itself (the per-user scope): the edge's 429, with the
        # refusing limit's `Retry-After` and `X-RateLimit-*`, not a server_error.
        return too_many_requests(limited.decision, limited.surface)
    except Exception as exc:
        if database_unavailable(exc):
            log.warning("oauth_database_unavailable", error_type=type(exc).__name__)
            return render(TemporarilyUnavailable(), request)
        log.error("oauth_unexpected", error_type=type(exc).__name__, exc_info=exc)
        return render(ServerError(), request)
