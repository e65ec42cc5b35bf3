"""Passwordless sign-in with a passkey: ``POST /t/{tenant}/login/passkey`` (issue 10).

Offered on the sign-in page only when the tenant allows it (``settings.mfa.passkeys.
passwordless``). The form passes the same CSRF checks as every login form (IV-04); the
assertion must be user-verified, so the passkey alone proves two factors (possession and
the authenticator's PIN or biometric) and the session says ``amr`` = [``hwk``|``swk``,
``mfa``]. A refused passkey shows the sign-in page again, with nothing issued.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tier0.domain import Tenant
from tier0.login.results import ErrorPage, SignInPage
from tier0.login.return_to import safe_return_to
from tier0.login.sessions import StartedSession
from tier0.web.deps import container_of, path_tenant
from tier0.web.login_http import (
    binding_of,
    client_ip_of,
    csrf_for,
    first,
    forbidden,
    form_params,
    page,
    require_same_origin_form,
    session_cookie_of,
)
from tier0.web.login_routes import LOGIN_FORM, _links, _render, _sign_in_page, _signed_in
from tier0.web.passkey_ui import PASSKEY_LOGIN_FORM, passwordless_fields

__all__ = ["router"]

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
REFUSED = "That passkey could not be used to sign in. Try again, or use your password."


@router.post("/t/{tenant}/login/passkey", include_in_schema=False)
async def passkey_sign_in(request: Request, tenant: TenantDep) -> Response:
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, PASSKEY_LOGIN_FORM):
        return forbidden(request, tenant)
    binding = binding_of(request, tenant)
    if binding is None:  # unreachable: the CSRF check needs the binding cookie
        return forbidden(request, tenant)
    flow = container_of(request).login
    record = first(raw, "interaction")
    return_to = safe_return_to(first(raw, "return_to"), prefix=f"/t/{tenant.name}/")
    result = await flow.passkey_sign_in(
        tenant,
        record=record,
        binding=binding,
        state=first(raw, "webauthn_state") or "",
        credential=first(raw, "credential") or "",
        session_cookie=session_cookie_of(request, tenant),
        ip=client_ip_of(request),
    )
    if isinstance(result, StartedSession):
        return _signed_in(request, tenant, result, return_to)
    if result is not None:
        return await _render(request, tenant, result, binding, False)
    if record is None:
        html = container_of(request).pages.login(
            tenant_name=tenant.display_name,
            client_name=tenant.display_name,
            action=f"/t/{tenant.name}/login",
            csrf_token=await csrf_for(request, tenant, binding, LOGIN_FORM),
            return_to=return_to,
            error=REFUSED,
            **await passwordless_fields(request, tenant, binding),
            **_links(tenant, None, return_to),
        )
        return page(html, status=400)
    resumed = await flow.resume(tenant, record=record, binding=binding)
    if isinstance(resumed, ErrorPage):
        return await _render(request, tenant, resumed, binding, False)
    authorization, app = resumed
    shown = SignInPage(app.name, record, authorization.redirect_uri, error=REFUSED, status=400)
    return await _sign_in_page(request, tenant, shown, binding, new_binding=False, status=400)
