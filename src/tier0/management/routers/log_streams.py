"""``/log-streams``: the tenant's log streams (Auth0's CRUD with ``…:log_streams``).

The same :class:`~tier0.audit.streams.service.StreamService` serves `tier0 stream`; it
validates each kind's settings, seals the secret under a tenant subkey and audits the change
in the same transaction. Secrets are write-only here: the API never generates one (it could
only hand it back), so a webhook stream needs its signing key in the body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from tier0.audit import Actor
from tier0.audit.streams.model import LogStream, StreamKind, StreamStatus
from tier0.audit.streams.service import StreamPatch
from tier0.management.auth import Principal, require
from tier0.management.responses import no_content
from tier0.management.routing import action, create, delete, id_path, listing, read
from tier0.management.schemas.streams import LogStreamCreate, LogStreamOut, LogStreamUpdate
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["log-streams"])
StreamId = Annotated[str, id_path("stream's `id`")]


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


def _actor(caller: Principal) -> Actor:
    return Actor.client(caller.client_id)


@listing(router, "/log-streams", list[LogStreamOut])
async def list_log_streams(
    request: Request, caller: Annotated[Principal, require("read:log_streams")]
) -> Any:
    """The tenant's log streams and how far each has delivered."""
    streams = await container_of(request).streams.list(caller.tenant.id)
    return [stream_view(s) for s in streams]


@create(router, "/log-streams", LogStreamOut, 409)
async def create_log_stream(
    body: LogStreamCreate,
    request: Request,
    caller: Annotated[Principal, require("create:log_streams")],
) -> Any:
    """Create a stream. It starts after the newest event unless `from_start` backfills."""
    stream, _secret = await container_of(request).streams.create(
        caller.tenant.id,
        body.name,
        StreamKind(body.type),
        body.config,
        actor=_actor(caller),
        categories=body.filters,
        secret=body.secret.get_secret_value() if body.secret else None,
        from_start=body.from_start,
        generate_secret=False,
    )
    return stream_view(stream)


@read(router, "/log-streams/{stream_id}", LogStreamOut)
async def get_log_stream(
    request: Request,
    stream_id: StreamId,
    caller: Annotated[Principal, require("read:log_streams")],
) -> Any:
    """One stream."""
    return stream_view(await container_of(request).streams.get_by_id(caller.tenant.id, stream_id))


@action(router, "PATCH", "/log-streams/{stream_id}", LogStreamOut, 404, 409)
async def update_log_stream(
    body: LogStreamUpdate,
    request: Request,
    stream_id: StreamId,
    caller: Annotated[Principal, require("update:log_streams")],
) -> Any:
    """Rename, re-filter, reconfigure, pause or resume a stream, or replace its secret."""
    patch = StreamPatch(
        name=body.name,
        config=body.config,
        categories=body.filters,
        status=StreamStatus(body.status) if body.status else None,
        secret=body.secret.get_secret_value() if body.secret else None,
    )
    stream = await container_of(request).streams.update(
        caller.tenant.id, stream_id, patch, actor=_actor(caller)
    )
    return stream_view(stream)


@delete(router, "/log-streams/{stream_id}")
async def delete_log_stream(
    request: Request,
    stream_id: StreamId,
    caller: Annotated[Principal, require("delete:log_streams")],
) -> Response:
    """Delete a stream; events stay in the log."""
    await container_of(request).streams.delete(
        caller.tenant.id, stream_id=stream_id, actor=_actor(caller)
    )
    return no_content()
