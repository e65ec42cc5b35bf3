"""``/user-blocks``: brute-force blocks by identifier or user, and lifting them (Auth0's
user-blocks endpoints; BF-01 blocks end early on an administrator's word). The service
commits the lift's event before it lifts (blocks live in the counter store)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.responses import documented, no_content
from tier0.management.schemas.common import Out
from tier0.protection.brute_force import Block
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["user-blocks"])
Identifier = Annotated[
    str, Query(min_length=1, max_length=320, description="The sign-in identifier (email).")
]
UserId = Annotated[str, Path(min_length=1, max_length=64, description="The user's `user_id`.")]


class BlockOut(Out):
    identifier: str
    ip: str
    expires_at: str | None


class BlocksOut(Out):
    """`ip` is `*` where the tenant counts per identifier only."""

    blocked_for: list[BlockOut]


def _view(blocks: list[Block]) -> dict[str, Any]:
    return {
        "blocked_for": [
            {"identifier": b.identifier, "ip": b.ip, "expires_at": iso(b.expires_at)}
            for b in blocks
        ]
    }


@router.get("/user-blocks", response_model=BlocksOut, responses=documented(400, 401, 403))
async def blocks_by_identifier(
    request: Request, caller: Annotated[Principal, require("read:users")], identifier: Identifier
) -> Any:
    """Current brute-force blocks of a sign-in identifier."""
    return _view(await container_of(request).protection_blocks.blocks(caller.tenant, identifier))


@router.delete(
    "/user-blocks", status_code=204, response_class=Response, responses=documented(400, 401, 403)
)
async def unblock_identifier(
    request: Request, caller: Annotated[Principal, require("update:users")], identifier: Identifier
) -> Response:
    """Lift every block of a sign-in identifier."""
    blocks = container_of(request).protection_blocks
    await blocks.unblock(caller.tenant, identifier, by=changed_by(request, caller))
    return no_content()


@router.get(
    "/user-blocks/{user_id}", response_model=BlocksOut, responses=documented(400, 401, 403, 404)
)
async def blocks_of_user(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("read:users")]
) -> Any:
    """Current brute-force blocks of a user."""
    blocks = container_of(request).protection_blocks
    return _view(await blocks.user_blocks(caller.tenant, user_id))


@router.delete(
    "/user-blocks/{user_id}",
    status_code=204,
    response_class=Response,
    responses=documented(400, 401, 403, 404),
)
async def unblock_user(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("update:users")]
) -> Response:
    """Lift every block of a user."""
    blocks = container_of(request).protection_blocks
    await blocks.unblock_user(caller.tenant, user_id, by=changed_by(request, caller))
    return no_content()
