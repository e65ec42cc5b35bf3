"""``/anomaly/blocks/ips/{ip}``: is an IP throttled by suspicious-IP throttling, and lifting
that (Auth0's anomaly endpoints). An IP that is not throttled is 404 for both: there is no
block to show or delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from tier0.errors import NotFound
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.responses import documented, no_content
from tier0.web.deps import container_of

router = APIRouter(tags=["anomaly"])
Ip = Annotated[str, Path(min_length=2, max_length=64, description="An IPv4 or IPv6 address.")]


@router.get(
    "/anomaly/blocks/ips/{ip}",
    status_code=200,
    response_class=Response,
    responses={200: {"description": "The IP is throttled."}, **documented(400, 401, 403, 404)},
)
async def check_ip(
    request: Request, ip: Ip, caller: Annotated[Principal, require("read:anomaly_blocks")]
) -> Response:
    """200 when the IP is throttled on sign-in or sign-up in this tenant, else 404."""
    if not await container_of(request).protection_blocks.ip_throttled(caller.tenant, ip):
        raise NotFound("this IP is not blocked")
    return Response(status_code=200)


@router.delete(
    "/anomaly/blocks/ips/{ip}",
    status_code=204,
    response_class=Response,
    responses=documented(400, 401, 403, 404),
)
async def unblock_ip(
    request: Request, ip: Ip, caller: Annotated[Principal, require("delete:anomaly_blocks")]
) -> Response:
    """Refill the IP's sign-in and sign-up buckets and lift a credential-stuffing flag."""
    blocks = container_of(request).protection_blocks
    if not await blocks.unblock_ip(caller.tenant, ip, by=changed_by(request, caller)):
        raise NotFound("this IP is not blocked")
    return no_content()
