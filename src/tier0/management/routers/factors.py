"""A user's second factors: Auth0's ``/users/{id}/authentication-methods`` (list, delete
all, delete one) with ``read|delete:authentication_methods``.

Every path starts from the user, looked up in the caller's tenant, so another tenant's user
or method id answers 404 (AC-02); each removal is audited with the calling application as
actor in the removing transaction (:mod:`tier0.mfa.admin`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.responses import no_content
from tier0.management.routing import delete, id_path, read
from tier0.management.schemas.factors import AuthenticationMethodOut
from tier0.mfa.admin import AuthenticationMethod
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["authentication-methods"])
UserId = Annotated[str, id_path("user's `user_id`")]
MethodId = Annotated[str, id_path("authentication method's `id`")]


def method_view(method: AuthenticationMethod) -> dict[str, Any]:
    return {
        "id": method.id,
        "type": method.type,
        "confirmed": method.confirmed,
        "created_at": iso(method.created_at),
        "name": method.name,
        "last_auth_at": iso(method.last_auth_at),
        "aaguid": method.aaguid,
        "recovery_codes_left": method.recovery_codes_left,
    }


@read(router, "/users/{user_id}/authentication-methods", list[AuthenticationMethodOut])
async def user_methods(
    request: Request,
    user_id: UserId,
    caller: Annotated[Principal, require("read:authentication_methods")],
) -> Any:
    """The user's authenticator apps, passkeys and recovery-code set."""
    found = await container_of(request).factor_admin.methods(caller.tenant, user_id)
    return [method_view(m) for m in found]


@delete(router, "/users/{user_id}/authentication-methods")
async def delete_user_methods(
    request: Request,
    user_id: UserId,
    caller: Annotated[Principal, require("delete:authentication_methods")],
) -> Response:
    """Remove every method: the user signs in with the password alone until they enroll
    again (a lost device)."""
    by = changed_by(request, caller)
    await container_of(request).factor_admin.remove_all(caller.tenant, user_id, by=by)
    return no_content()


@delete(router, "/users/{user_id}/authentication-methods/{authentication_method_id}")
async def delete_user_method(
    request: Request,
    user_id: UserId,
    authentication_method_id: MethodId,
    caller: Annotated[Principal, require("delete:authentication_methods")],
) -> Response:
    """Remove one method (``recovery-code`` removes the user's recovery codes)."""
    by = changed_by(request, caller)
    await container_of(request).factor_admin.remove(
        caller.tenant, user_id, authentication_method_id, by=by
    )
    return no_content()
