"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from tier0.web.deps import container_of

router = APIRouter()
log = structlog.get_logger("tier0.health")


@router.get("/healthz", include_in_schema=False)
async def healthz() -> JSONResponse:
    """The process is up and serving HTTP."""
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    """The database answers: this node can take traffic."""
    try:
        await container_of(request).db.ping()
    except Exception as exc:  # noqa: BLE001 (any failure means "not ready")
        log.warning("not_ready", reason=type(exc).__name__)
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable"},
            status_code=503,
            headers={"cache-control": "no-store", "retry-after": "1"},
        )
    return JSONResponse({"status": "ok", "database": "ok"}, headers={"cache-control": "no-store"})
