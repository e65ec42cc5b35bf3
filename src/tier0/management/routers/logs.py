"""``/logs`` and ``/users/{id}/logs``: search the tenant's audit log (LG-01)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from tier0.audit import EventType
from tier0.audit.store import EventQuery, LoggedEvent
from tier0.audit.streams.model import stream_record
from tier0.errors import InvalidInput
from tier0.management.auth import Principal, require
from tier0.management.routing import id_path, listing, read
from tier0.management.schemas.logs import LogOut
from tier0.web.deps import container_of

router = APIRouter(tags=["logs"])
MAX_TAKE = 100
Take = Annotated[int, Query(ge=1, le=MAX_TAKE, description="How many entries (at most 100).")]
From = Annotated[
    str | None,
    Query(
        alias="from",
        pattern=r"^[0-9]{1,18}$",
        description="A `seq`: entries after it, oldest first. Without it: the newest first.",
    ),
]
TypeFilter = Annotated[
    str | None,
    Query(alias="type", max_length=64, pattern=r"^[a-z0-9_.]+$", description="An event type."),
]


def log_view(item: LoggedEvent) -> dict[str, Any]:
    record = stream_record(item)
    return {
        "log_id": record["id"],
        "seq": record["seq"],
        "date": record["time"],
        "type": record["type"],
        "auth0_type": record["auth0_type"],
        "category": record["category"],
        "outcome": record["outcome"],
        "actor": record["actor"],
        "subject": record["subject"],
        "client_id": record["client_id"],
        "ip": record["ip"],
        "user_agent": record["user_agent"],
        "details": record["details"],
    }


def _query(
    tenant_id: str, take: int, from_: str | None, type_: str | None, user_id: str | None
) -> EventQuery:
    types: tuple[EventType, ...] = ()
    if type_ is not None:
        try:
            types = (EventType(type_),)
        except ValueError:
            raise InvalidInput(f"unknown event type {type_!r}") from None
    return EventQuery(
        tenant_id=tenant_id,
        types=types,
        user_id=user_id,
        after_seq=int(from_) if from_ else 0,
        limit=take,
        newest_first=from_ is None,
    )


@listing(router, "/logs", list[LogOut])
async def search_logs(
    request: Request,
    caller: Annotated[Principal, require("read:logs")],
    take: Take = 50,
    from_: From = None,
    type_: TypeFilter = None,
    user_id: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
) -> Any:
    """Security events of the tenant: the newest first, or after a `seq` with `from`."""
    query = _query(caller.tenant.id, take, from_, type_, user_id)
    return [log_view(item) for item in await container_of(request).audit.search(query)]


@read(router, "/users/{user_id}/logs", list[LogOut])
async def user_logs(
    request: Request,
    user_id: Annotated[str, id_path("user's `user_id`")],
    caller: Annotated[Principal, require("read:logs_users")],
    take: Take = 50,
    from_: From = None,
) -> Any:
    """Security events where the user is the actor or the subject."""
    container = container_of(request)
    await container.users.get(caller.tenant, user_id)  # 404 for another tenant's user
    query = _query(caller.tenant.id, take, from_, None, user_id)
    return [log_view(item) for item in await container.audit.search(query)]
