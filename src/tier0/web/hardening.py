"""Wires the edge protections of :mod:`tier0.web` into an app, in their order.

Starlette runs the middleware added last first. After this call the chain is (outermost
first): the edge layer (:class:`~tier0.web.edge.EdgeMiddleware`: latency and request
context → security headers → request limits → CORS) → rate limits → routes. So even a
413/414/431 or a CORS preflight carries the security headers, and an oversized request
never reaches the rate limiter's counters or a handler.
"""

from __future__ import annotations

from fastapi import FastAPI

from tier0.container import Container
from tier0.web.cors import registered_origins
from tier0.web.edge import EdgeMiddleware
from tier0.web.request_limits import RequestLimits

__all__ = ["install_hardening"]


def install_hardening(app: FastAPI, container: Container) -> None:
    """Add the edge layer (call after the rate limiter, so it runs outside it)."""
    settings = container.settings

    async def origins(tenant: str) -> frozenset[str]:
        return await registered_origins(container, tenant)

    app.add_middleware(
        EdgeMiddleware,
        metrics=container.metrics,
        limits=RequestLimits.from_settings(settings),
        hsts=settings.public_url.startswith("https://"),
        origins=origins,
    )
