"""``GET /log-streams``: the tenant's configured log streams (read-only here; they are
created with `tier0 stream create`, which shows a webhook's signing secret once)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from tier0.audit.streams.model import LogStream
from tier0.management.auth import Principal, require
from tier0.management.responses import documented
from tier0.management.schemas.common import Out
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["log-streams"])


class LogStreamOut(Out):
    """A stream's settings and delivery state; never its signing secret."""

    id: str
    name: str
    type: str
    status: str
    filters: list[str]
    config: dict[str, str]
    cursor: int
    failures: int
    last_error: str | None
    created_at: str | None


def stream_view(stream: LogStream) -> dict[str, Any]:
    return {
        "id": stream.id,
        "name": stream.name,
        "type": str(stream.kind),
        "status": str(stream.status),
        "filters": [str(c) for c in stream.categories],
        "config": dict(stream.config),
        "cursor": stream.cursor,
        "failures": stream.failures,
        "last_error": stream.last_error,
        "created_at": iso(stream.created_at),
    }


@router.get("/log-streams", response_model=list[LogStreamOut], responses=documented(401, 403))
async def list_log_streams(
    request: Request, caller: Annotated[Principal, require("read:log_streams")]
) -> Any:
    """The tenant's log streams and how far each has delivered."""
    streams = await container_of(request).streams.list(caller.tenant.id)
    return [stream_view(s) for s in streams]
