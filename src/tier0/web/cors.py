"""CORS for single-page applications, on the endpoints an SPA calls from script (IV-06).

Only the token, revocation, userinfo, JWKS and discovery endpoints of a tenant answer
cross-origin requests, and only for an origin some application of that tenant registered in
its ``web_origins`` (Auth0's "Allowed Web Origins"). ``/authorize`` and the login pages never
do: they are navigations, and reading them from script would defeat the login's CSRF and
clickjacking defences. No credentials mode: these endpoints take tokens, not cookies.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier0.container import Container

__all__ = [
    "CORS_PATH",
    "CorsMiddleware",
    "add_cors_headers",
    "cors_request",
    "is_preflight",
    "preflight",
    "registered_origins",
]

CORS_PATH = re.compile(
    r"^/t/(?P<tenant>[^/]{1,63})/"
    r"(?:oauth/token|oauth/revoke|userinfo|\.well-known/jwks\.json|\.well-known/openid-configuration)$"
)
MAX_APPS = 10_000
_PAGE = 500

OriginLookup = Callable[[str], Awaitable[frozenset[str]]]


async def registered_origins(container: Container, tenant_name: str) -> frozenset[str]:
    """Every ``web_origins`` entry of the tenant's applications (empty for no tenant)."""
    tenant = await container.tenants.find(tenant_name)
    if tenant is None:
        return frozenset()
    origins: set[str] = set()
    for offset in range(0, MAX_APPS, _PAGE):
        page = await container.applications.list(tenant, offset=offset, limit=_PAGE)
        for app in page:
            origins.update(app.web_origins)
        if len(page) < _PAGE:
            break
    return frozenset(origins)


def cors_request(scope: Scope, headers: dict[bytes, bytes]) -> tuple[str, str] | None:
    """(tenant, origin) of a cross-origin request to a CORS endpoint, else ``None``."""
    match = CORS_PATH.match(scope["path"])
    origin = headers.get(b"origin", b"").decode("latin-1")
    if match is None or not origin:
        return None
    return match["tenant"], origin


def is_preflight(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    return scope["method"] == "OPTIONS" and b"access-control-request-method" in headers


def add_cors_headers(out: MutableHeaders, origin: str, allowed: bool) -> None:
    """A response to a cross-origin request: ``Vary: Origin``, and the grant if allowed."""
    out.add_vary_header("Origin")
    if allowed:
        out["access-control-allow-origin"] = origin
        out["access-control-expose-headers"] = "WWW-Authenticate, Retry-After"


class CorsMiddleware:
    """Answers preflights and adds ``Access-Control-Allow-Origin`` for registered origins."""

    def __init__(self, app: ASGIApp, *, origins: OriginLookup) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        target = cors_request(scope, headers)
        if target is None:
            await self.app(scope, receive, send)
            return
        tenant, origin = target
        allowed = origin in await self.origins(tenant)
        if is_preflight(scope, headers):
            await preflight(send, origin if allowed else None)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_cors_headers(MutableHeaders(scope=message), origin, allowed)
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def preflight(send: Send, origin: str | None) -> None:
    """204 with the grant for a registered origin; a bare 403 (no CORS headers) otherwise."""
    headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
    if origin is not None:
        headers += [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-methods", b"GET, POST"),
            (b"access-control-allow-headers", b"Authorization, Content-Type, DPoP"),
            (b"access-control-max-age", b"600"),
        ]
    status = 204 if origin is not None else 403
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
