"""``/keys/signing``: list the tenant's signing keys, rotate them and revoke one (JW-04).

Changes to keys are privileged (AC-05): they need a recently issued token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from tier0.keys import KeyState
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.routing import action, first, id_path, listing, read
from tier0.management.schemas.keys import (
    RevocationOut,
    RotateBody,
    RotationOut,
    SigningKeyOut,
)
from tier0.services.keys import KeyInfo, RotationResult
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["keys"])
Kid = Annotated[str, id_path("key's `kid`", max_length=128)]


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


@listing(router, "/keys/signing", list[SigningKeyOut])
async def list_signing_keys(
    request: Request, caller: Annotated[Principal, require("read:signing_keys")]
) -> Any:
    """The tenant's signing keys: next, active and retired (public facts only)."""
    return [key_view(k) for k in await container_of(request).keys.list(caller.tenant.id)]


@read(router, "/keys/signing/{kid}", SigningKeyOut)
async def get_signing_key(
    request: Request, kid: Kid, caller: Annotated[Principal, require("read:signing_keys")]
) -> Any:
    """One signing key by `kid`."""
    keys = await container_of(request).keys.list(caller.tenant.id)
    return key_view(first(keys, lambda k: k.kid == kid, "signing key"))


def _changed(request: Request, caller: Principal) -> None:
    """The service audited the change in its transaction. This process signs and verifies
    with the new set at once; other nodes within their short cache TTL."""
    container_of(request).oauth.keys.forget(caller.tenant.id)


async def _rotate(
    request: Request, caller: Principal, body: RotateBody, *, emergency: bool
) -> dict[str, Any]:
    keys = container_of(request).keys
    by = changed_by(request, caller)
    result = await keys.rotate(caller.tenant.id, alg=body.alg, emergency=emergency, by=by)
    _changed(request, caller)
    return rotation_view(result)


@action(router, "POST", "/keys/signing/rotate", RotationOut)
async def rotate_signing_key(
    body: RotateBody,
    request: Request,
    caller: Annotated[Principal, require("create:signing_keys", step_up=True)],
) -> Any:
    """Promote the published next key to active and retire the old one, which stays in the
    JWKS until the tokens it signed have expired."""
    return await _rotate(request, caller, body, emergency=False)


@action(router, "POST", "/keys/signing/emergency-rotate", RotationOut)
async def emergency_rotate_signing_key(
    body: RotateBody,
    request: Request,
    caller: Annotated[Principal, require("update:signing_keys", step_up=True)],
) -> Any:
    """A compromised key: withdraw every key of the alg at once and start new ones. Every
    token they signed stops verifying, this API's own tokens included."""
    return await _rotate(request, caller, body, emergency=True)


@action(router, "PUT", "/keys/signing/{kid}/revoke", RevocationOut, 404)
async def revoke_signing_key(
    request: Request,
    kid: Kid,
    caller: Annotated[Principal, require("update:signing_keys", step_up=True)],
) -> Any:
    """Withdraw one key from the JWKS now: every token it signed stops verifying. Revoking
    the signing key promotes the published next key at once."""
    by = changed_by(request, caller)
    result = await container_of(request).keys.revoke(caller.tenant.id, kid, by=by)
    _changed(request, caller)
    return {
        "kid": kid,
        "alg": result.plan.alg,
        "revoked_at": iso(container_of(request).clock.now()),
        "activated": list(result.plan.activate),
        "keys": [key_view(k) for k in result.keys],
    }
