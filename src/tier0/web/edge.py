"""The HTTP edge as one ASGI layer: latency, request context, security headers, request
limits and CORS.

Each of these was its own pure-ASGI middleware (they still exist, for apps and tests that
want one alone). Stacked, every request paid five coroutine frames, five ``send`` wrappers
and five parses of the same header list, a measurable share of a client-credentials
request. This layer runs the same steps in the same order, outermost first:

1. latency (into the histogram) and the request context (id, log context, access line);
2. security headers (CSP nonce, HSTS, ``Cache-Control``) and the baseline headers, on every
   response this layer or anything inside it sends, refusals and preflights included;
3. request limits (414/431/413/408/400) before anything else runs;
4. CORS: preflights answered here; the grant added to the app's own responses only.

Headers a handler set itself win, as before: CORS headers are applied first, then the
security headers, then the request context's (``setdefault`` except ``X-Request-ID``), then
the ``X-RateLimit-*`` pairs the rate limiter inside left in ``scope["state"]`` (one send
wrapper for both). The layer also opens the request's directory-generation scope
(tier0.cache.generations): one shared generation read per request.
"""

from __future__ import annotations

import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier0.audit.prometheus import Metrics
from tier0.cache.generations import begin_request, end_request
from tier0.crypto.random import random_token
from tier0.web.cors import (
    OriginLookup,
    add_cors_headers,
    cors_request,
    is_preflight,
    preflight,
)
from tier0.web.middleware import add_context_headers, bind_request_id, log_request, request_id_from
from tier0.web.rate_limit import (
    RATE_LIMIT_HEADERS,
    append_rate_limit_headers,
    sets_rate_limit_headers,
)
from tier0.web.request_limits import RequestLimits, RequestLimitsMiddleware, RequestRefused
from tier0.web.security_headers import add_security_headers, is_cacheable

__all__ = ["EdgeMiddleware"]


class EdgeMiddleware:
    """The five edge steps above in one layer (outside the rate limiter)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        limits: RequestLimits,
        hsts: bool,
        origins: OriginLookup,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.limits = RequestLimitsMiddleware(app, limits=limits)
        self.hsts = hsts
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()  # a duration: the monotonic clock
        headers = dict(scope["headers"])
        request_id = request_id_from(headers.get(b"x-request-id"))
        nonce = random_token(16)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["csp_nonce"] = nonce
        state[RATE_LIMIT_HEADERS] = None  # the rate limiter inside leaves its headers here
        bind_request_id(request_id)
        cacheable = is_cacheable(scope["path"])
        status = 500
        cors: tuple[str, bool] | None = None  # (origin, allowed) once CORS applies

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                out = MutableHeaders(scope=message)
                # Only a refusal from inside the app (a 429: `RateLimited`, the limit that
                # refused) carries `X-RateLimit-*` values that win over the edge's: look at
                # the app's own headers then, before this layer adds a dozen more. Any other
                # response gets the pairs appended as they are, last.
                extra = state[RATE_LIMIT_HEADERS]
                own = status == 429 and bool(extra) and sets_rate_limit_headers(out.raw)
                if cors is not None:
                    add_cors_headers(out, *cors)
                add_security_headers(out, nonce=nonce, hsts=self.hsts, cacheable=cacheable)
                add_context_headers(out, request_id)
                if own:
                    append_rate_limit_headers(out.raw, extra, own)
                elif extra:
                    out.raw.extend(extra)
            await send(message)

        # One shared directory-generation read per request (tier0.cache.generations).
        generation_scope = begin_request()
        try:
            try:
                receive = await self.limits.check(scope, receive, headers)
            except RequestRefused as refused:
                await refused.response()(scope, receive, send_wrapper)
                return
            target = cors_request(scope, headers)
            if target is not None:
                tenant, origin = target
                allowed = origin in await self.origins(tenant)
                if is_preflight(scope, headers):
                    await preflight(send_wrapper, origin if allowed else None)
                    return
                cors = (origin, allowed)
            await self.app(scope, receive, send_wrapper)
        finally:
            end_request(generation_scope)
            log_request(scope, status, started)
            self.metrics.observe_request(scope["method"], status, time.perf_counter() - started)
