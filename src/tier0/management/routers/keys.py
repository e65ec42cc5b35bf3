"""``/keys/signing``: list the tenant's signing keys and rotate them (JW-04)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from tier0.errors import NotFound
from tier0.keys import KeyState
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.responses import documented
from tier0.management.schemas.keys import RotateBody, RotationOut, SigningKeyOut
from tier0.services.keys import KeyInfo, RotationResult
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["keys"])
Kid = Annotated[str, Path(min_length=1, max_length=128, description="The key's `kid`.")]


def key_view(key: KeyInfo) -> dict[str, Any]:
    return {
        "kid": key.kid,
        "alg": key.alg,
        "state": key.state.value,
        "current": key.state is KeyState.ACTIVE,
        "next": key.state is KeyState.NEXT,
        "previous": key.state is KeyState.RETIRED,
        "published": key.published,
        "created_at": iso(key.created_at),
        "current_since": iso(key.activated_at),
        "retired_at": iso(key.retired_at),
        "current_until": iso(key.not_after),
    }


def rotation_view(result: RotationResult) -> dict[str, Any]:
    plan = result.plan
    return {
        "alg": plan.alg,
        "emergency": plan.emergency,
        "activated": list(plan.activate),
        "retired": [r.kid for r in plan.retire],
        "ready_at": iso(plan.ready_at),
        "keys": [key_view(k) for k in result.keys],
    }


@router.get(
    "/keys/signing", response_model=list[SigningKeyOut], responses=documented(400, 401, 403)
)
async def list_signing_keys(
    request: Request, caller: Annotated[Principal, require("read:signing_keys")]
) -> Any:
    """The tenant's signing keys: next, active and retired (public facts only)."""
    return [key_view(k) for k in await container_of(request).keys.list(caller.tenant.id)]


@router.get(
    "/keys/signing/{kid}", response_model=SigningKeyOut, responses=documented(400, 401, 403, 404)
)
async def get_signing_key(
    request: Request, kid: Kid, caller: Annotated[Principal, require("read:signing_keys")]
) -> Any:
    """One signing key by `kid`."""
    for key in await container_of(request).keys.list(caller.tenant.id):
        if key.kid == kid:
            return key_view(key)
    raise NotFound("no such signing key")


async def _rotate(
    request: Request, caller: Principal, body: RotateBody, *, emergency: bool
) -> dict[str, Any]:
    container = container_of(request)
    result = await container.keys.rotate(
        caller.tenant.id, alg=body.alg, emergency=emergency, by=changed_by(request, caller)
    )
    # This process signs with the new key at once; other nodes within their short cache TTL.
    container.oauth.keys.forget(caller.tenant.id)
    return rotation_view(result)


@router.post(
    "/keys/signing/rotate", response_model=RotationOut, responses=documented(400, 401, 403)
)
async def rotate_signing_key(
    body: RotateBody,
    request: Request,
    caller: Annotated[Principal, require("create:signing_keys")],
) -> Any:
    """Promote the published next key to active and retire the old one, which stays in the
    JWKS until the tokens it signed have expired."""
    return await _rotate(request, caller, body, emergency=False)


@router.post(
    "/keys/signing/emergency-rotate",
    response_model=RotationOut,
    responses=documented(400, 401, 403),
)
async def emergency_rotate_signing_key(
    body: RotateBody,
    request: Request,
    caller: Annotated[Principal, require("update:signing_keys")],
) -> Any:
    """A compromised key: withdraw every key of the alg at once and start new ones. Every
    token they signed stops verifying, this API's own tokens included."""
    return await _rotate(request, caller, body, emergency=True)
