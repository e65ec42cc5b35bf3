"""``/user-blocks``: brute-force blocks by identifier or user, and lifting them (Auth0's
user-blocks endpoints; BF-01 blocks end early on an administrator's word)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from tier0.audit import EventType
from tier0.management.audit import audited
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


def _identifier(text: str) -> str:
    """As the sign-in guard counts it: case and outer spaces do not make a new account."""
    return text.strip().lower()


def _view(blocks: list[Block]) -> dict[str, Any]:
    return {
        "blocked_for": [
            {"identifier": b.identifier, "ip": b.ip, "expires_at": iso(b.expires_at)}
            for b in blocks
        ]
    }


async def _blocks(request: Request, caller: Principal, identifier: str) -> dict[str, Any]:
    protection = container_of(request).protection.brute_force
    return _view(await protection.blocks_for(caller.tenant.name, _identifier(identifier)))


async def _lift(
    request: Request, caller: Principal, identifier: str, subject: tuple[str, str]
) -> None:
    """Lift the blocks; the event names the user (or the tenant), never the identifier."""
    protection = container_of(request).protection.brute_force
    lifted = await protection.unblock(caller.tenant.name, _identifier(identifier))
    await audited(
        request,
        caller,
        EventType.BRUTE_FORCE_UNBLOCKED,
        subject,
        details={"lifted": len(lifted)},
    )


async def _email_of(request: Request, caller: Principal, user_id: str) -> str:
    return (await container_of(request).users.get(caller.tenant, user_id)).email


@router.get("/user-blocks", response_model=BlocksOut, responses=documented(400, 401, 403))
async def blocks_by_identifier(
    request: Request, caller: Annotated[Principal, require("read:users")], identifier: Identifier
) -> Any:
    """Current brute-force blocks of a sign-in identifier."""
    return await _blocks(request, caller, identifier)


@router.delete(
    "/user-blocks", status_code=204, response_class=Response, responses=documented(400, 401, 403)
)
async def unblock_identifier(
    request: Request, caller: Annotated[Principal, require("update:users")], identifier: Identifier
) -> Response:
    """Lift every block of a sign-in identifier."""
    await _lift(request, caller, identifier, ("tenant", caller.tenant.id))
    return no_content()


@router.get(
    "/user-blocks/{user_id}", response_model=BlocksOut, responses=documented(400, 401, 403, 404)
)
async def blocks_of_user(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("read:users")]
) -> Any:
    """Current brute-force blocks of a user."""
    return await _blocks(request, caller, await _email_of(request, caller, user_id))


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
    await _lift(request, caller, await _email_of(request, caller, user_id), ("user", user_id))
    return no_content()
