"""Self-service second factors: ``GET|POST /t/{tenant}/account/mfa`` (issue 10, MF-04).

A signed-in user sees their enrolled factors, sets up an authenticator app (QR code and
seed, then a first code to confirm, then the recovery codes, shown once), registers a
passkey (a WebAuthn ceremony bound to this browser and session, MF-03) or removes factors.
ASVS 6.4.3 / MF-04: changing factors needs a *fresh* authentication, so a session
authenticated more than :data:`FRESH_AUTH` ago is sent back to the sign-in page with a
``return_to`` to this page. Every POST passes the CSRF checks of IV-04 and every answer is
``no-store`` with the login's CSP (the pages carry the seed and recovery codes).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from tier0.domain import Tenant
from tier0.domain.grants import Session
from tier0.errors import NotFound
from tier0.login.headers import redirect_headers
from tier0.mfa.errors import InvalidCode
from tier0.mfa.policy import mfa_options
from tier0.protocol.params import RawParams
from tier0.web.deps import container_of, path_tenant
from tier0.web.login_http import (
    client_ip_of,
    csrf_for,
    ensure_binding,
    first,
    forbidden,
    form_params,
    page,
    require_same_origin_form,
    session_cookie_of,
    set_binding_cookie,
)

__all__ = ["FRESH_AUTH", "router"]

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
FORM = "account-mfa"
FRESH_AUTH = timedelta(minutes=5)
_CODE_MAX = 64


def _path(tenant: Tenant) -> str:
    return f"/t/{tenant.name}/account/mfa"


async def _fresh_session(request: Request, tenant: Tenant) -> Session | Response:
    """The live session if it authenticated within :data:`FRESH_AUTH`, else a 303 to
    the sign-in page that comes back here (MF-04: factor changes need re-auth)."""
    container = container_of(request)
    session = await container.sessions.current(tenant, session_cookie_of(request, tenant))
    auth_time = session.auth_time if session is not None else None
    if (
        session is not None
        and auth_time is not None
        and (container.clock.now() - auth_time <= FRESH_AUTH)
    ):
        return session
    login = f"/t/{tenant.name}/login?return_to={quote(_path(tenant), safe='/')}"
    return RedirectResponse(login, status_code=303, headers=redirect_headers())


async def _render(
    request: Request, tenant: Tenant, binding: str, *, status: int = 200, **context: Any
) -> Response:
    container = container_of(request)
    values: dict[str, Any] = {
        "factors": (),
        "enrollment": None,
        "factor_id": None,
        "recovery_codes": None,
        "passkey_added": False,
        "message": None,
        "error": None,
        "passkeys": (),
        "ceremony": None,
    }
    values.update(context)
    html = container.pages.render(
        "account_mfa.html",
        tenant_name=tenant.display_name,
        action=_path(tenant),
        password_url=f"/t/{tenant.name}/account/password",
        csrf_token=await csrf_for(request, tenant, binding, FORM),
        **values,
    )
    return page(html, status=status)


async def _overview(
    request: Request, tenant: Tenant, session: Session, binding: str, **context: Any
) -> Response:
    container = container_of(request)
    factors = await container.mfa.factors(tenant, session.user_id)
    confirmed = [f for f in factors if f.confirmed]
    user = await container.users.get(tenant, session.user_id)
    ceremony = await container.passkeys.begin_registration(
        tenant, user.user_id, user.email, binding=binding, context=session.sid,
        uv=mfa_options(tenant).user_verification,
    )  # fmt: skip
    passkeys = await container.passkeys.passkeys(tenant, session.user_id)
    return await _render(
        request, tenant, binding, factors=confirmed, passkeys=passkeys, ceremony=ceremony,
        **context,
    )  # fmt: skip


@router.get("/t/{tenant}/account/mfa", include_in_schema=False)
async def account_mfa(request: Request, tenant: TenantDep) -> Response:
    """The user's factors and the "Set up authenticator app" form."""
    fresh = await _fresh_session(request, tenant)
    if isinstance(fresh, Response):
        return fresh
    binding, new_binding = ensure_binding(request, tenant)
    response = await _overview(request, tenant, fresh, binding)
    if new_binding:
        set_binding_cookie(response, request, tenant, binding)
    return response


@router.post("/t/{tenant}/account/mfa", include_in_schema=False)
async def account_mfa_submit(request: Request, tenant: TenantDep) -> Response:
    """``action`` = ``start`` | ``confirm`` | ``reset``, after the CSRF checks (IV-04)."""
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, FORM):
        return forbidden(request, tenant)
    fresh = await _fresh_session(request, tenant)
    if isinstance(fresh, Response):
        return fresh
    binding, _ = ensure_binding(request, tenant)  # present: the CSRF check needed it
    action = first(raw, "action")
    if action == "start":
        return await _start(request, tenant, fresh, binding)
    if action == "confirm":
        return await _confirm(
            request, tenant, fresh, binding, first(raw, "factor_id"), first(raw, "code")
        )
    if action == "passkey":
        return await _register_passkey(request, tenant, fresh, binding, raw)
    if action == "remove-passkey":
        gone = await container_of(request).passkeys.remove(
            tenant, fresh.user_id, first(raw, "passkey_id") or ""
        )
        message = "The passkey was removed." if gone else "No such passkey."
        return await _overview(request, tenant, fresh, binding, message=message)
    if action == "reset":
        removed = await container_of(request).mfa.reset(tenant, fresh.user_id)
        message = "Your second factors were removed." if removed else "No factor to remove."
        return await _overview(request, tenant, fresh, binding, message=message)
    return await _overview(request, tenant, fresh, binding, error="Unknown action.", status=400)


async def _start(request: Request, tenant: Tenant, session: Session, binding: str) -> Response:
    """A new (unconfirmed) TOTP factor: its QR code and seed, shown this once."""
    container = container_of(request)
    if await container.mfa.has_totp(tenant, session.user_id):
        # One authenticator app per user: the sign-in checks codes against one seed.
        return await _overview(
            request, tenant, session, binding, error="Remove the current factor first.", status=409
        )
    user = await container.users.get(tenant, session.user_id)
    enrollment = await container.mfa.enroll_totp(tenant, user.user_id, account=user.email)
    return await _render(
        request, tenant, binding, enrollment=enrollment, factor_id=enrollment.factor_id
    )


async def _confirm(
    request: Request,
    tenant: Tenant,
    session: Session,
    binding: str,
    factor_id: str | None,
    code: str | None,
) -> Response:
    """The first code proves the app holds the seed; then the recovery codes (MF-02)."""
    if not factor_id or not code or len(code) > _CODE_MAX:
        return await _overview(
            request, tenant, session, binding, error="Enter the code.", status=400
        )
    container = container_of(request)
    try:
        codes = await container.mfa.confirm_totp(
            tenant, session.user_id, factor_id, code, ip=client_ip_of(request) or ""
        )
    except InvalidCode:
        # The seed is not shown again: the app already holds it, or the user starts over.
        return await _render(
            request,
            tenant,
            binding,
            factor_id=factor_id,
            error="That code is not valid. Try the next one.",
            status=400,
        )
    except NotFound:
        return await _overview(
            request, tenant, session, binding, error="Start the setup again.", status=400
        )
    return await _render(request, tenant, binding, recovery_codes=codes)


async def _register_passkey(
    request: Request, tenant: Tenant, session: Session, binding: str, raw: RawParams
) -> Response:
    """Verify the new credential (challenge bound to this browser and session); the first
    factor of a user also brings the recovery codes, shown once (MF-02)."""
    container = container_of(request)
    try:
        await container.passkeys.finish_registration(
            tenant, session.user_id, binding=binding, context=session.sid,
            state=first(raw, "webauthn_state") or "", credential=first(raw, "credential") or "",
            uv=mfa_options(tenant).user_verification, name=first(raw, "name") or "Passkey",
            ip=client_ip_of(request),
        )  # fmt: skip
    except InvalidCode:
        return await _overview(
            request, tenant, session, binding, error="The passkey was not added.", status=400
        )
    if await container.mfa.recovery_codes_left(tenant, session.user_id) == 0:
        codes = await container.mfa.regenerate_recovery_codes(tenant, session.user_id)
        return await _render(request, tenant, binding, recovery_codes=codes, passkey_added=True)
    return await _overview(request, tenant, session, binding, message="Your passkey was added.")
