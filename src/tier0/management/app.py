"""The management API as a FastAPI sub-application, mounted at ``/t/{tenant}/api/v2``.

Its OpenAPI 3.1 document is served at ``/t/{tenant}/api/v2/openapi.json`` with that
tenant's server URL and token endpoint filled in. Every router is included behind
:func:`~tier0.management.auth.principal`, so nothing in it answers without a valid token
(deny by default, AC-01); the document itself is public, as Auth0's is.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.responses import JSONResponse

from tier0 import __version__
from tier0.container import Container
from tier0.management.auth import SCHEME_NAME, scoped_principal
from tier0.management.errors import install_bearer_errors, no_control_characters
from tier0.management.responses import Problem
from tier0.management.routers import (
    anomaly,
    attack_protection,
    client_grants,
    clients,
    factors,
    jobs,
    keys,
    log_streams,
    logs,
    resource_servers,
    roles,
    sessions,
    tenant_settings,
    user_blocks,
    users,
)
from tier0.web.deps import path_tenant
from tier0.web.errors import install_error_handlers

MOUNT_PATH = "/t/{tenant}/api/v2"
ROUTERS = (
    users.router,
    clients.router,
    resource_servers.router,
    client_grants.router,
    roles.router,
    keys.router,
    logs.router,
    log_streams.router,
    jobs.router,
    sessions.router,
    factors.router,
    tenant_settings.router,
    user_blocks.router,
    attack_protection.router,
    anomaly.router,
)


def base_document(app: FastAPI) -> dict[str, Any]:
    """The tenant-independent OpenAPI document of the management API."""
    doc = get_openapi(
        title="tier0 Management API",
        version=__version__,
        openapi_version="3.1.0",
        description="Auth0 Management API v2 shaped administration of one tenant. Every "
        "error is `application/problem+json` (RFC 9457) with Auth0's `statusCode`, "
        "`error`, `message` and `errorCode` members.",
        routes=app.routes,
    )
    # FastAPI documents its 422 for validation errors; tier0 answers those with a 400
    # problem (web/errors.py), which every operation already lists.
    for item in doc["paths"].values():
        for op in item.values():
            op["responses"].pop("422", None)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    return doc


def tenant_document(base: dict[str, Any], issuer: str) -> dict[str, Any]:
    """The document as one tenant sees it: its server URL and token endpoint."""
    doc = copy.deepcopy(base)
    doc["servers"] = [{"url": f"{issuer}/api/v2"}]
    flows = doc["components"]["securitySchemes"][SCHEME_NAME]["flows"]
    flows["clientCredentials"]["tokenUrl"] = f"{issuer}/oauth/token"
    return doc


def create_management_app(container: Container) -> FastAPI:
    api = FastAPI(
        title="tier0 Management API",
        version=__version__,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    api.state.container = container
    install_error_handlers(api)
    install_bearer_errors(api)
    for router in ROUTERS:
        api.include_router(
            router, dependencies=[Depends(no_control_characters), Depends(scoped_principal)]
        )
    cache: dict[str, dict[str, Any]] = {}

    @api.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        tenant = await path_tenant(request, str(request.path_params.get("tenant", "")))
        if "base" not in cache:
            cache["base"] = base_document(api)
        issuer = container.settings.tenant_base_url(tenant.name)
        return JSONResponse(tenant_document(cache["base"], issuer))

    return api
