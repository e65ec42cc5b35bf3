"""Request rate limiting at the HTTP edge (AV-01, BF-02) and the client IP for handlers.

A pure ASGI middleware: for every HTTP request it works out the client IP from the trusted
proxy configuration (stored as `request.state.client_ip` for handlers), classifies the path
into an endpoint class, and counts the request per IP, client and tenant before any handler
runs, so a refused request never reaches password hashing or the database. Refusals are 429
with `Retry-After` and `X-RateLimit-*`, in the error format of the surface: OAuth JSON
(`too_many_requests`, as Auth0's Authentication API) or RFC 9457 problem+json for the
management API. Handlers that learn the user (sign-in) call `enforce_rate_limit` for the
per-user scope.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, unquote_plus

import structlog
from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier0.audit.event import Actor, SecurityEvent
from tier0.audit.events import EventType
from tier0.container import Container
from tier0.protection.client_ip import TrustedProxies
from tier0.protection.rate_limits import (
    Decision,
    EndpointClass,
    RateLimiter,
    RateLimitKeys,
    rate_limit_headers,
)
from tier0.protection.rate_limits import Scope as LimitScope
from tier0.web.errors import problem

log = structlog.get_logger("tier0.ratelimit")

E = EndpointClass
_EDGE_SCOPES = frozenset({LimitScope.IP, LimitScope.CLIENT, LimitScope.TENANT})
_TENANT_PATH = re.compile(r"^/t/(?P<tenant>[^/]{1,63})(?P<rest>/.*)$")


class Surface(StrEnum):
    OAUTH = "oauth"
    MANAGEMENT = "management"


@dataclass(frozen=True, slots=True)
class _Route:
    pattern: re.Pattern[str]
    endpoint: EndpointClass
    methods: frozenset[str] | None = None  # None: every method


def _route(path: str, endpoint: EndpointClass, methods: str | None = None) -> _Route:
    return _Route(re.compile(path), endpoint, frozenset(methods.split()) if methods else None)


#: Paths under /t/{tenant}, in Auth0's layout (DESIGN.md §4). First match wins.
ROUTES: tuple[_Route, ...] = (
    _route(r"^/authorize$", E.AUTHORIZE),
    _route(r"^/oauth/token$", E.TOKEN),
    _route(r"^/oauth/(revoke|introspect)$", E.INTROSPECT_REVOKE),
    _route(r"^/userinfo$", E.USERINFO),
    _route(r"^/\.well-known/jwks\.json$", E.JWKS),
    _route(r"^/api/v2(/.*)?$", E.MANAGEMENT),
    _route(r"^/(u/login|usernamepassword/login|login)(/.*)?$", E.LOGIN, "POST"),
    _route(r"^/(u/signup|dbconnections/signup|u/email-verification)(/.*)?$", E.SIGNUP, "POST"),
    _route(r"^/(u/reset-password|dbconnections/change_password)(/.*)?$", E.RESET, "POST"),
    _route(r"^/(u/)?mfa(/.*)?$", E.MFA, "POST"),
)


def classify(method: str, path: str) -> tuple[str, EndpointClass] | None:
    """(tenant, endpoint class) of a request, or None when no limit class applies."""
    match = _TENANT_PATH.match(path)
    if match is None:
        return None
    rest = match.group("rest")
    for route in ROUTES:
        if route.pattern.match(rest) and (route.methods is None or method in route.methods):
            return match.group("tenant"), route.endpoint
    return None


def surface_of(endpoint: EndpointClass) -> Surface:
    return Surface.MANAGEMENT if endpoint is E.MANAGEMENT else Surface.OAUTH


def too_many_requests(decision: Decision, surface: Surface) -> Response:
    """The 429 response of a surface, with `Retry-After` and `X-RateLimit-*`."""
    headers = rate_limit_headers(decision)
    detail = f"Too many requests. Retry after {headers.get('Retry-After', '1')} seconds."
    if surface is Surface.MANAGEMENT:
        return problem(429, detail, code="too_many_requests", headers=headers)
    # RFC 6749 §5.1 asks token responses not to be cached; the same holds for this error.
    headers |= {"Cache-Control": "no-store", "Pragma": "no-cache"}
    body = {"error": "too_many_requests", "error_description": detail}
    return JSONResponse(body, status_code=429, headers=headers)


class RefusalReporter:
    """Emits `rate_limit.exceeded` (Auth0 `api_limit`) for the first refusal of each limit
    key in each window only: one event per flood, not one database write per refused
    request, which would hand an attacker a write amplifier."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def __call__(
        self, decision: Decision, endpoint: EndpointClass, keys: RateLimitKeys
    ) -> None:
        c = self._container
        window = max(1, decision.retry_after)
        if await c.protection.counters.incr(f"rl:reported:{decision.key}", window_s=window) != 1:
            return
        try:
            tenant = await c.tenants.find(keys.tenant)
            if tenant is None:
                return  # unknown tenant: nothing to attribute the event to
            actor = Actor.client(keys.client_id) if keys.client_id else Actor.system("rate_limit")
            details = {
                "endpoint": endpoint.value,
                "scope": str(decision.scope),
                "limit": decision.limit,
            }
            event = SecurityEvent.create(
                EventType.RATE_LIMIT_EXCEEDED,
                clock=c.clock,
                tenant_id=tenant.id,
                actor=actor,
                client_id=keys.client_id,
                ip=keys.ip,
                details=details,
            )
            await c.audit.emit(event)
        except Exception as exc:  # noqa: BLE001 - reporting must never turn a 429 into a 500
            log.error("rate_limit_event_failed", error_type=type(exc).__name__)


class RateLimitMiddleware:
    """Counts each classified request before the app sees it; sets `state.client_ip`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter | None,
        proxies: TrustedProxies,
        reporter: RefusalReporter | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.proxies = proxies
        self.reporter = reporter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _joined_headers(scope)
        peer = scope["client"][0] if scope.get("client") else ""
        ip = self.proxies.client_ip(peer, headers)
        scope.setdefault("state", {})["client_ip"] = ip
        target = classify(scope["method"], scope["path"])
        if self.limiter is None or target is None:
            await self.app(scope, receive, send)
            return
        tenant, endpoint = target
        client_id = _client_id(endpoint, headers, scope.get("query_string", b""))
        keys = RateLimitKeys(tenant=tenant, ip=ip, client_id=client_id)
        decision = await self.limiter.hit(endpoint, keys, only=_EDGE_SCOPES)
        if not decision.allowed:
            log.info("rate_limited", tenant=tenant, endpoint=endpoint.value, scope=decision.scope)
            if self.reporter is not None:
                await self.reporter(decision, endpoint, keys)
            await too_many_requests(decision, surface_of(endpoint))(scope, receive, send)
            return
        await self.app(scope, receive, _with_headers(send, rate_limit_headers(decision)))


class RateLimited(Exception):
    """Raised by `enforce_rate_limit`; rendered as the surface's 429."""

    def __init__(self, decision: Decision, surface: Surface) -> None:
        super().__init__("rate limited")
        self.decision = decision
        self.surface = surface


def client_ip_of(request: Request) -> str:
    """The client IP the middleware derived (BF-02); the socket peer if it did not run."""
    ip = getattr(request.state, "client_ip", None)
    if isinstance(ip, str):
        return ip
    return request.client.host if request.client else ""


async def enforce_rate_limit(
    request: Request,
    endpoint: EndpointClass,
    *,
    tenant: str,
    user: str | None = None,
    client_id: str | None = None,
) -> None:
    """Count the scopes a handler learns late: the user (sign-in, reset, MFA) and a client id
    sent in the body. Raises `RateLimited` when over a limit."""
    container: Container = request.app.state.container
    protection = container.protection
    if not protection.rate_limits_enabled:
        return
    only = {s for s, v in ((LimitScope.USER, user), (LimitScope.CLIENT, client_id)) if v}
    if not only:
        return
    keys = RateLimitKeys(tenant=tenant, user=user, client_id=client_id)
    decision = await protection.rate_limiter.hit(endpoint, keys, only=only)
    if not decision.allowed:
        await RefusalReporter(container)(decision, endpoint, keys)
        raise RateLimited(decision, surface_of(endpoint))


def install_rate_limit_handler(app: FastAPI) -> None:
    @app.exception_handler(RateLimited)
    async def _rate_limited(_request: Request, exc: RateLimited) -> Response:
        return too_many_requests(exc.decision, exc.surface)


def _joined_headers(scope: Scope) -> dict[str, str]:
    """Header names lower-cased, repeated fields joined with ", " (RFC 9110 §5.3)."""
    joined: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined


def _client_id(endpoint: EndpointClass, headers: dict[str, str], query: bytes) -> str | None:
    """The client id, where it is visible without reading the body: HTTP Basic client
    authentication (RFC 6749 §2.3.1, form-encoded id) or `client_id` in the query. The
    secret half of the Basic credentials is never kept."""
    if endpoint in (E.TOKEN, E.INTROSPECT_REVOKE, E.MANAGEMENT):
        auth = headers.get("authorization", "")
        if auth[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(auth[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            client, sep, _secret = decoded.partition(":")
            return unquote_plus(client)[:256] if sep and client else None
    if endpoint is E.AUTHORIZE:
        values = parse_qs(query.decode("latin-1")).get("client_id")
        return values[0][:256] if values else None
    return None


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    if not extra:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in extra.items():
                headers.setdefault(name, value)
        await send(message)

    return wrapped
