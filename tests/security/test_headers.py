"""The header matrix over every route of the app (IV-05, IV-06, TL-02), and CORS only for
registered SPA origins on the token, userinfo and JWKS endpoints (IV-06)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain.applications import AppType
from tier0.services.applications import ApplicationSpec
from tier0.settings import Settings
from tier0.web.app import create_app
from tier0.web.csp import csp_nonce
from tier0.web.edge import EdgeMiddleware
from tier0.web.rate_limit import RateLimitMiddleware
from tier0.web.security_headers import CACHEABLE_SUFFIXES

SPA_ORIGIN = "https://spa.example.com"
TENANT = "acme"


@pytest.fixture
async def https_app(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[FastAPI]:
    settings = Settings(
        data_dir=tmp_path / "data",
        public_url="https://id.example.com",
        bcrypt_cost=10,
        hash_workers=2,
    )
    container = Container.build(settings, clock=clock)
    await container.migrate()
    tenant = await container.tenants.create(TENANT, by=ChangedBy.cli())
    await container.applications.create(
        tenant,
        ApplicationSpec(
            name="spa",
            app_type=AppType.SPA,
            callbacks=(f"{SPA_ORIGIN}/cb",),
            web_origins=(SPA_ORIGIN,),
        ),
        by=ChangedBy.cli(),
    )
    try:
        yield create_app(container)
    finally:
        await container.close()


@pytest.fixture
async def http(https_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=https_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://id.example.com") as c:
        yield c


def concrete(path: str) -> str:
    """A request path for a route template: the test tenant, 'x' for other parameters."""
    path = path.replace("{tenant}", TENANT)
    return re.sub(r"\{[^}]+\}", "x", path)


def walk(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    """(method, path template) of every route, through included routers."""
    found: list[tuple[str, str]] = []
    for route in routes:
        router = getattr(route, "original_router", None)
        if router is not None:  # FastAPI's wrapper around an included router
            context = getattr(route, "include_context", None)
            found += walk(router.routes, prefix + str(getattr(context, "prefix", "")))
            continue
        methods: set[str] | None = getattr(route, "methods", None)
        if methods is not None:
            path = prefix + str(getattr(route, "path", ""))
            found += [(m, path) for m in sorted(methods) if m != "HEAD"]
    return found


def routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(method, concrete(path)) for method, path in walk(app.router.routes)]


def assert_hardened(resp: httpx.Response, where: str) -> None:
    h = resp.headers
    assert h.get("x-frame-options") == "DENY", where
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("referrer-policy") == "no-referrer", where
    assert h.get("strict-transport-security") == "max-age=31536000; includeSubDomains", where
    csp = h.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, where
    assert "base-uri 'none'" in csp, where
    assert "object-src 'none'" in csp or "default-src 'none'" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    path = where.split()[1]
    # Public documents (static files, discovery, JWKS) may be cached; nothing else may.
    if not path.startswith("/static/") and not path.endswith(CACHEABLE_SUFFIXES):
        assert "no-store" in h.get("cache-control", ""), where


async def test_iv05_iv06_header_matrix_over_every_route(
    https_app: FastAPI, http: httpx.AsyncClient
) -> None:
    matrix = routes(https_app)
    assert ("GET", "/healthz") in matrix
    for method, path in matrix:
        resp = await http.request(method, path, data={} if method == "POST" else None)
        assert_hardened(resp, f"{method} {path} -> {resp.status_code}")


@pytest.mark.parametrize(
    "path", ["/nowhere", f"/t/{TENANT}/authorize", f"/t/{TENANT}/oauth/token", "/static/x"]
)
async def test_iv06_errors_and_unknown_routes_are_hardened_too(
    http: httpx.AsyncClient, path: str
) -> None:
    resp = await http.get(path)
    assert_hardened(resp, f"GET {path} -> {resp.status_code}")


async def test_iv06_each_request_gets_a_fresh_csp_nonce(https_app: FastAPI) -> None:
    seen: list[str] = []

    async def page(request: Request) -> HTMLResponse:
        nonce = csp_nonce(request)
        seen.append(nonce)
        return HTMLResponse(f'<script nonce="{nonce}"></script>')

    https_app.router.routes.insert(0, Route("/_page", page))
    transport = httpx.ASGITransport(app=https_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://id.example.com") as c:
        first, second = await c.get("/_page"), await c.get("/_page")
    assert len(set(seen)) == 2 and all(len(n) >= 22 for n in seen)
    for resp, nonce in zip((first, second), seen, strict=True):
        csp = resp.headers["content-security-policy"]
        assert f"script-src 'self' 'nonce-{nonce}'" in csp
        assert "default-src 'self'" in csp and "object-src 'none'" in csp


CORS_PATHS = [
    f"/t/{TENANT}/oauth/token",
    f"/t/{TENANT}/userinfo",
    f"/t/{TENANT}/.well-known/jwks.json",
]


def preflight(origin: str) -> dict[str, str]:
    return {"origin": origin, "access-control-request-method": "POST"}


@pytest.mark.parametrize("path", CORS_PATHS)
async def test_iv06_registered_spa_origin_gets_cors(http: httpx.AsyncClient, path: str) -> None:
    pre = await http.options(path, headers=preflight(SPA_ORIGIN))
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert "access-control-allow-credentials" not in pre.headers
    actual = await http.get(path, headers={"origin": SPA_ORIGIN})
    assert actual.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert "Origin" in actual.headers["vary"]


@pytest.mark.parametrize("path", CORS_PATHS)
async def test_iv06_unregistered_origin_gets_no_cors(http: httpx.AsyncClient, path: str) -> None:
    pre = await http.options(path, headers=preflight("https://evil.example"))
    assert "access-control-allow-origin" not in pre.headers
    actual = await http.post(path, headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in actual.headers


async def test_iv06_authorize_never_answers_cors(http: httpx.AsyncClient) -> None:
    for path in (f"/t/{TENANT}/authorize", f"/t/{TENANT}/login"):
        pre = await http.options(path, headers=preflight(SPA_ORIGIN))
        assert "access-control-allow-origin" not in pre.headers
        got = await http.get(path, headers={"origin": SPA_ORIGIN})
        assert "access-control-allow-origin" not in got.headers


async def test_iv06_origins_of_another_tenant_do_not_count(http: httpx.AsyncClient) -> None:
    pre = await http.options("/t/other/oauth/token", headers=preflight(SPA_ORIGIN))
    assert "access-control-allow-origin" not in pre.headers


async def test_tl02_no_hsts_on_a_plain_http_deployment(client: httpx.AsyncClient) -> None:
    resp = await client.get("/healthz")
    assert "strict-transport-security" not in resp.headers


async def test_iv06_edge_is_one_layer_in_the_original_order(
    https_app: FastAPI, http: httpx.AsyncClient
) -> None:
    """Latency, request context, security headers, request limits and CORS run as one
    middleware outside the rate limiter, with the old order's outcomes: a preflight and a
    refused (413) request are hardened and carry the request id; a refusal never carries
    a CORS grant (the limits run before CORS), an answered request does."""
    layers: list[object] = [m.cls for m in https_app.user_middleware]
    assert layers == [EdgeMiddleware, RateLimitMiddleware]
    path = f"/t/{TENANT}/oauth/token"
    pre = await http.options(path, headers=preflight(SPA_ORIGIN) | {"x-request-id": "pre-12345"})
    assert pre.status_code == 204 and pre.headers["x-request-id"] == "pre-12345"
    assert_hardened(pre, f"OPTIONS {path}")
    big = await http.post(path, content=b"x" * (1024 * 1024), headers={"origin": SPA_ORIGIN})
    assert big.status_code == 413 and big.headers["x-request-id"]
    assert_hardened(big, f"POST {path}")
    assert "access-control-allow-origin" not in big.headers
    answered = await http.post(path, data={}, headers={"origin": SPA_ORIGIN})
    assert answered.status_code in (400, 401)
    assert answered.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert_hardened(answered, f"POST {path}")
