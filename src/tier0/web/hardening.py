"""Wires the edge protections of :mod:`tier0.web` into an app, in their order.

Starlette runs the middleware added last first. After this call the chain is (outermost
first, once the app factory adds its request-context middleware): request context → security
headers → request limits → CORS → rate limits → routes. So even a 413/414/431 or a CORS
preflight carries the security headers, and an oversized request never reaches the rate
limiter's counters or a handler.
"""

from __future__ import annotations

from fastapi import FastAPI

from tier0.container import Container
from tier0.web.cors import CorsMiddleware, registered_origins
from tier0.web.request_limits import RequestLimits, RequestLimitsMiddleware
from tier0.web.security_headers import SecurityHeadersMiddleware

__all__ = ["install_hardening"]


def install_hardening(app: FastAPI, container: Container) -> None:
    """Add CORS, request limits and security headers (call after the rate limiter)."""
    settings = container.settings

    async def origins(tenant: str) -> frozenset[str]:
        return await registered_origins(container, tenant)

    app.add_middleware(CorsMiddleware, origins=origins)
    app.add_middleware(RequestLimitsMiddleware, limits=RequestLimits.from_settings(settings))
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.public_url.startswith("https://"))
