"""`/metrics` for Prometheus and the middleware that times every request.

The endpoint is off the public listener's reach in production: it answers 404 unless
``metrics_token`` is set, and then only to ``Authorization: Bearer <token>`` (compared in
constant time). Dev mode without a token serves it openly, for local dashboards.
"""

from __future__ import annotations

import hmac
import time

from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier0.audit.prometheus import Metrics
from tier0.settings import Mode, Settings
from tier0.web.deps import container_of

router = APIRouter()


def scrape_allowed(settings: Settings, authorization: str | None) -> bool:
    """May this request read the metrics? Bearer token when one is configured."""
    token = settings.metrics_token
    if token is None:
        return settings.mode is not Mode.PRODUCTION
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    container = container_of(request)
    if not scrape_allowed(container.settings, request.headers.get("authorization")):
        # 404, not 401: production does not even admit the endpoint exists to strangers.
        return Response(status_code=404, headers={"cache-control": "no-store"})
    body, content_type = container.metrics.render()
    return Response(body, media_type=content_type, headers={"cache-control": "no-store"})


class LatencyMiddleware:
    """Observes how long each HTTP request took into the latency histogram (pure ASGI)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A duration, not a protocol decision: the monotonic clock is the right one here.
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.observe_request(scope["method"], status, time.perf_counter() - started)
