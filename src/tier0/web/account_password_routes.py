"""Self-service password change: ``GET|POST /t/{tenant}/account/password`` (PW-06).

Only the universal login session authenticates the page; without one the browser goes to
the sign-in page with a ``return_to`` here. Every POST passes the CSRF checks of IV-04 and
asks for the current password (PW-06: "Change needs the current password"); a missing or
wrong one is a 400 page and changes nothing. Pages are ``no-store`` with the login's CSP.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from tier0.domain import Tenant
from tier0.domain.grants import Session
from tier0.login.headers import redirect_headers
from tier0.login.password_change import ChangeRefused
from tier0.web.account_pages import form_page, message
from tier0.web.deps import container_of, path_tenant
from tier0.web.login_http import (
    client_ip_of,
    first,
    forbidden,
    form_params,
    require_same_origin_form,
    session_cookie_of,
    with_retry_after,
)

__all__ = ["router"]

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
FORM = "account-password"
TEMPLATE = "account_password.html"


def _path(tenant: Tenant) -> str:
    return f"/t/{tenant.name}/account/password"


async def _form(
    request: Request, tenant: Tenant, *, status: int = 200, error: str | None = None
) -> Response:
    return await form_page(
        request, tenant, TEMPLATE, FORM, status=status, error=error,
        action=_path(tenant), mfa_url=f"/t/{tenant.name}/account/mfa",
    )  # fmt: skip


async def _session(request: Request, tenant: Tenant) -> Session | Response:
    """The live session, or a 303 to the sign-in page that comes back here."""
    container = container_of(request)
    session = await container.sessions.current(tenant, session_cookie_of(request, tenant))
    if session is not None:
        return session
    login = f"/t/{tenant.name}/login?return_to={quote(_path(tenant), safe='/')}"
    return RedirectResponse(login, status_code=303, headers=redirect_headers())


@router.get("/t/{tenant}/account/password", include_in_schema=False)
async def change_password_page(request: Request, tenant: TenantDep) -> Response:
    session = await _session(request, tenant)
    if isinstance(session, Response):
        return session
    return await _form(request, tenant)


@router.post("/t/{tenant}/account/password", include_in_schema=False)
async def change_password(request: Request, tenant: TenantDep) -> Response:
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, FORM):
        return forbidden(request, tenant)
    session = await _session(request, tenant)
    if isinstance(session, Response):
        return session
    result = await container_of(request).accounts.change.change(
        tenant,
        session,
        first(raw, "current_password") or "",
        first(raw, "password") or "",
        ip=client_ip_of(request),
    )
    if isinstance(result, ChangeRefused):
        shown = await _form(request, tenant, status=result.status, error=result.message)
        return with_retry_after(shown, result.retry_after)  # the refusing block's wait
    return message(
        request,
        tenant,
        "Password changed",
        "Your password was changed. Your other sessions and apps were signed out.",
    )
