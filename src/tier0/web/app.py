"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from tier0 import __version__
from tier0.container import Container
from tier0.logs import ensure_logging
from tier0.management.app import MOUNT_PATH, create_management_app
from tier0.web.account_mfa_routes import router as account_mfa_router
from tier0.web.account_password_routes import router as account_password_router
from tier0.web.account_routes import router as account_router
from tier0.web.errors import install_error_handlers
from tier0.web.hardening import install_hardening
from tier0.web.health import router as health_router
from tier0.web.login_routes import HOT_ROUTES as LOGIN_HOT_ROUTES
from tier0.web.login_routes import router as login_router
from tier0.web.logout_routes import router as logout_router
from tier0.web.metrics import router as metrics_router
from tier0.web.oauth import TOKEN_PATH
from tier0.web.oauth import router as oauth_router
from tier0.web.oauth import token as token_endpoint
from tier0.web.passkey_routes import router as passkey_router
from tier0.web.rate_limit import (
    RateLimitMiddleware,
    RefusalReporter,
    install_rate_limit_handler,
)
from tier0.web.reset_routes import router as reset_router
from tier0.web.signup_routes import router as signup_router
from tier0.web.unblock_routes import router as unblock_router
from tier0.web.verification_routes import router as verification_router

#: FastAPI 0.16x asks OpenTelemetry on every request whether a provider was configured
#: (three global look-ups, ~2 % of a token request). tier0 exports its own Prometheus
#: metrics and logs; FastAPI's native spans stay off. Older FastAPI has no such option.
_NO_NATIVE_TELEMETRY: dict[str, object] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def create_app(container: Container, *, close_container: bool = False) -> FastAPI:
    """Build the app around a container. With ``close_container`` the app owns it and
    closes it at shutdown (what `tier0 serve` does)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Bulk jobs run in the background of the serving process; the loop also takes up
        # jobs a crashed node left behind once their lease runs out.
        stop = asyncio.Event()
        jobs = asyncio.create_task(container.job_runner.run(stop))
        await container.hasher.prepare()
        yield
        stop.set()
        await jobs
        await container.job_runner.idle()
        if close_container:
            await container.close()

    app = FastAPI(
        title="tier0",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        **_NO_NATIVE_TELEMETRY,  # type: ignore[arg-type]
    )
    ensure_logging(container.settings.log_level)
    app.state.container = container
    install_error_handlers(app)
    install_rate_limit_handler(app)
    # First route: the token endpoint is matched before any router is searched.
    app.add_route(TOKEN_PATH, token_endpoint, methods=["POST"], include_in_schema=False)
    for path, endpoint, method in LOGIN_HOT_ROUTES:  # then the two sign-in requests
        app.add_route(path, endpoint, methods=[method], include_in_schema=False)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(oauth_router)
    app.include_router(login_router)
    app.include_router(logout_router)
    app.include_router(account_router)
    app.include_router(account_mfa_router)
    app.include_router(account_password_router)
    app.include_router(passkey_router)
    app.include_router(signup_router)
    app.include_router(verification_router)
    app.include_router(reset_router)
    app.include_router(unblock_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.mount(MOUNT_PATH, create_management_app(container))
    protection = container.protection
    limiter = protection.rate_limiter if protection.rate_limits_enabled else None
    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter,
        proxies=protection.proxies,
        reporter=RefusalReporter(container),
        pages=container.pages,
    )
    install_hardening(app, container)
    return app
