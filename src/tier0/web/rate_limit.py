"""Request rate limiting at the HTTP edge (AV-01, BF-02) and the client IP for handlers.

A pure ASGI middleware: for every HTTP request it works out the client IP from the trusted
proxy configuration (stored as `request.state.client_ip` for handlers), classifies the path
into an endpoint class, and counts the request per IP, client and tenant before any handler
runs, so a refused request never reaches password hashing or the database. Refusals are 429
with `Retry-After` and `X-RateLimit-*`, in the error format of the surface: OAuth JSON
(`too_many_requests`, as Auth0's Authentication API), RFC 9457 problem+json for the
management API, or the login UI's page for the browser forms (`tier0.web.too_many`).
Handlers that learn the user (sign-in, MFA) call `enforce_rate_limit` for the per-user
scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

import structlog
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier0.audit.event import Actor, SecurityEvent
from tier0.audit.events import EventType
from tier0.container import Container
from tier0.login.pages import Pages
from tier0.protection.client_ip import TrustedProxies
from tier0.protection.rate_limit_output import rate_limit_headers, raw_rate_limit_headers
from tier0.protection.rate_limits import (
    EDGE_SCOPES,
    Decision,
    EndpointClass,
    RateLimiter,
    RateLimitKeys,
)
from tier0.protection.rate_limits import Scope as LimitScope
from tier0.protocol.client_authentication import BasicCredentials, decode_basic
from tier0.protocol.errors import InvalidClient
from tier0.web.errors import problem
from tier0.web.rate_limit_routes import MAX_MEMO, Surface, classify
from tier0.web.too_many import too_many_page

log = structlog.get_logger("tier0.ratelimit")

E = EndpointClass


#: Endpoint classes a browser navigates to or posts a form at. /authorize is one: its own
#: errors are pages when they cannot be redirected, and the edge cannot yet trust the
#: redirect URI.
_PAGE_ENDPOINTS = frozenset({E.AUTHORIZE, E.LOGIN, E.SIGNUP, E.RESET, E.MFA})


def surface_of(endpoint: EndpointClass) -> Surface:
    if endpoint in _PAGE_ENDPOINTS:
        return Surface.LOGIN_UI
    return Surface.MANAGEMENT if endpoint is E.MANAGEMENT else Surface.OAUTH


def too_many_requests(decision: Decision, surface: Surface, pages: Pages | None = None) -> Response:
    """The 429 response of a surface, with `Retry-After` and `X-RateLimit-*`. The login UI's
    page needs the renderer (`pages`); without it the OAuth JSON is the fallback."""
    headers = rate_limit_headers(decision)
    if surface is Surface.LOGIN_UI and pages is not None:
        return too_many_page(pages, max(1, decision.retry_after), headers)
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
    request, which would hand an attacker a write amplifier. The sign-in's per-user limit
    is Auth0's same-user limit: `user.login.rate_limited` (`limit_sul`) instead."""

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
            details: dict[str, object] = {
                "endpoint": endpoint.value,
                "scope": str(decision.scope),
                "limit": decision.limit,
            }
            kind = EventType.RATE_LIMIT_EXCEEDED
            if endpoint is E.LOGIN and decision.scope is LimitScope.USER:
                kind = EventType.USER_LOGIN_RATE_LIMITED
                details["by"] = "rate_limit"
            event = SecurityEvent.create(
                kind,
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
        pages: Pages | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.proxies = proxies
        self.reporter = reporter
        self.pages = pages
        self._forwarded_name = proxies.header.value
        self._forwarded = self._forwarded_name.encode("latin-1")
        self._ips: dict[tuple[str, str | None], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization, forwarded = _read_headers(scope["headers"], self._forwarded)
        peer = scope["client"][0] if scope.get("client") else ""
        ip = self._client_ip(peer, forwarded)
        state = scope.setdefault("state", {})
        state["client_ip"] = ip
        target = classify(scope["method"], scope["path"])
        if self.limiter is None or target is None:
            await self.app(scope, receive, send)
            return
        tenant, endpoint = target
        client_id = _client_id(endpoint, authorization, scope.get("query_string", b""), state)
        limiter = self.limiter
        compiled = limiter.compiled
        # Embedded mode, a caller seen before: counted and answered in one call.
        extra = None if compiled is None else compiled.count(tenant, (endpoint, ip, client_id))
        if extra is None:
            decision = limiter.count_now(endpoint, tenant, ip, client_id, EDGE_SCOPES)
            if decision is None:  # shared counters, or the tenant's policy is due a look
                decision = await limiter.count(endpoint, tenant, ip, client_id, None, EDGE_SCOPES)
            if not decision.allowed:
                keys = RateLimitKeys(tenant, ip, client_id)
                refusal = await self._refuse(decision, endpoint, keys)
                await refusal(scope, receive, send)
                return
            extra = raw_rate_limit_headers(decision)
        if RATE_LIMIT_HEADERS in state:
            # The edge (tier0.web.edge) already rewrites the response start: it adds these
            # there, which saves a send wrapper (two more coroutine frames per response).
            state[RATE_LIMIT_HEADERS] = extra
            await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, _with_headers(send, extra))

    async def _refuse(
        self, decision: Decision, endpoint: EndpointClass, keys: RateLimitKeys
    ) -> Response:
        log.info("rate_limited", tenant=keys.tenant, endpoint=endpoint.value, scope=decision.scope)
        if self.reporter is not None:
            await self.reporter(decision, endpoint, keys)
        return too_many_requests(decision, surface_of(endpoint), self.pages)

    def _client_ip(self, peer: str, forwarded: str | None) -> str:
        """`TrustedProxies.client_ip`, remembered per (peer, forwarding header): parsing and
        normalising addresses costs more than the rest of the check, and clients repeat.
        Bounded like the path memo."""
        memo_key = (peer, forwarded)
        ip = self._ips.get(memo_key)
        if ip is None:
            headers = {self._forwarded_name: forwarded} if forwarded is not None else {}
            ip = self.proxies.client_ip(peer, headers)
            if len(self._ips) >= MAX_MEMO:
                self._ips.clear()
            self._ips[memo_key] = ip
        return ip


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
    user_per_ip: bool = False,
) -> None:
    """Count the scopes a handler learns late: the user (sign-in, reset, MFA) and a client id
    sent in the body. Raises `RateLimited` when over a limit.

    `user_per_ip` counts the user per (IP, user) instead of per user: the sign-in's
    same-user limit (BF-02; Auth0: "attempts from one IP to one user"), so that nobody can
    spend a victim's attempts from elsewhere and keep the victim out."""
    container: Container = request.app.state.container
    protection = container.protection
    if not protection.rate_limits_enabled:
        return
    only = {s for s, v in ((LimitScope.USER, user), (LimitScope.CLIENT, client_id)) if v}
    if not only:
        return
    counted = user
    if user is not None and user_per_ip:
        # The IP goes last and never holds the separator: no two (user, IP) pairs share a key.
        counted = f"{user}\x1f{client_ip_of(request)}"
    keys = RateLimitKeys(tenant=tenant, user=counted, client_id=client_id)
    decision = await protection.rate_limiter.hit(endpoint, keys, only=only)
    if not decision.allowed:
        seen = RateLimitKeys(tenant, client_ip_of(request), client_id, user)  # the event's IP
        await RefusalReporter(container)(decision, endpoint, seen)
        raise RateLimited(decision, surface_of(endpoint))


def install_rate_limit_handler(app: FastAPI) -> None:
    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, exc: RateLimited) -> Response:
        pages: Pages = request.app.state.container.pages
        return too_many_requests(exc.decision, exc.surface, pages)


def _read_headers(
    raw_headers: Iterable[tuple[bytes, bytes]], forwarded_name: bytes
) -> tuple[bytes | None, str | None]:
    """`Authorization` (raw bytes) and the forwarding header, the only two the edge reads.
    Names match case-insensitively; repeated fields are joined with ", " (RFC 9110 §5.3)."""
    authorization: bytes | None = None
    forwarded: str | None = None
    for raw_name, raw_value in raw_headers:
        name = raw_name.lower()
        if name == b"authorization":
            authorization = (
                raw_value if authorization is None else authorization + b", " + raw_value
            )
        elif name == forwarded_name:
            value = raw_value.decode("latin-1")
            forwarded = value if forwarded is None else f"{forwarded}, {value}"
    return authorization, forwarded


def _client_id(
    endpoint: EndpointClass, authorization: bytes | None, query: bytes, state: dict[str, Any]
) -> str | None:
    """The client id, where it is visible without reading the body: HTTP Basic client
    authentication (RFC 6749 §2.3.1) or `client_id` in the query.

    Basic credentials are decoded by the protocol's own decoder, and what it decoded is left
    in the request's state (`BASIC_CREDENTIALS`) for the endpoint, which would otherwise
    decode them again: the secret stays where it already was, in this request's memory,
    and is never logged (`BasicCredentials` keeps it out of its repr)."""
    if authorization is not None and endpoint in _BASIC_ENDPOINTS:
        try:
            basic = decode_basic(authorization.decode("latin-1"))
        except InvalidClient:
            return None  # the endpoint decodes again and answers invalid_client
        if basic is None:
            return None
        state[BASIC_CREDENTIALS] = basic
        return basic.client_id
    if endpoint is E.AUTHORIZE:
        values = parse_qs(query.decode("latin-1")).get("client_id")
        return values[0][:256] if values else None
    return None


def client_authorization(request: Request) -> str | BasicCredentials | None:
    """The request's `Authorization` value for a client-authenticating endpoint: the Basic
    credentials the edge already decoded from it, when it did (and they came from this very
    value), else the value itself."""
    header = request.headers.get("authorization")
    held = request.scope.get("state", {}).get(BASIC_CREDENTIALS)
    if isinstance(held, BasicCredentials) and held.header == header:
        return held
    return header


_BASIC_ENDPOINTS = frozenset({E.TOKEN, E.INTROSPECT_REVOKE, E.MANAGEMENT})
_RATE_LIMIT_PREFIX = b"x-ratelimit-"
#: `scope["state"]` key: the `BasicCredentials` the edge decoded (see `_client_id`).
BASIC_CREDENTIALS = "tier0.basic_credentials"
#: `scope["state"]` key: present when an outer layer adds the headers to the response
#: start (`append_rate_limit_headers`); the middleware then leaves them there.
RATE_LIMIT_HEADERS = "tier0.rate_limit_headers"


def append_rate_limit_headers(
    headers: list[tuple[bytes, bytes]],
    extra: list[tuple[bytes, bytes]],
    own: bool | None = None,
) -> None:
    """Add `extra` to a response start's headers unless the app set an `X-RateLimit-*`
    header itself (e.g. a handler's own 429): its own values win. `own` is
    `sets_rate_limit_headers` of the app's headers when the caller already knows it."""
    if own is None:
        own = sets_rate_limit_headers(headers)
    if own:
        have = {name.lower() for name, _ in headers}
        headers += [(name, value) for name, value in extra if name not in have]
    else:
        headers += extra


def sets_rate_limit_headers(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """True when `headers` (an app's response start) carry an `X-RateLimit-*` header."""
    for name, _ in headers:  # noqa: SIM110 - a loop, not any(<generator>): runs per response
        if name[:1] in b"xX" and name[:12].lower() == _RATE_LIMIT_PREFIX:
            return True
    return False


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """Wraps `send` to add `extra` to the response start (no outer layer does it)."""
    if not extra:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            append_rate_limit_headers(headers, extra)
            message["headers"] = headers
        await send(message)

    return wrapped
