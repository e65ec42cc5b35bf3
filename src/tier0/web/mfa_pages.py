"""The second-factor pages of the universal login (MF-04): the code or passkey step, and the
recovery codes of a factor enrolled during sign-in, shown once. Both post to
``/t/{tenant}/mfa`` (:mod:`tier0.web.login_routes`)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from tier0.domain import Tenant
from tier0.login.results import RecoveryCodesPage, SecondFactorPage
from tier0.web.deps import container_of
from tier0.web.login_http import csrf_for, page, set_session_cookie, with_retry_after

__all__ = ["MFA_FORM", "recovery_codes_page", "second_factor_page"]

MFA_FORM = "mfa"


async def second_factor_page(
    request: Request, tenant: Tenant, shown: SecondFactorPage, binding: str
) -> Response:
    html = container_of(request).pages.second_factor(
        tenant_name=tenant.display_name,
        client_name=shown.client_name,
        action=f"/t/{tenant.name}/mfa",
        csrf_token=await csrf_for(request, tenant, binding, MFA_FORM),
        pending=shown.pending,
        interaction=shown.interaction,
        return_to=shown.return_to,
        error=shown.error,
        enrollment=shown.enrollment,
        factor_id=shown.factor_id,
        passkey=shown.passkey,
        email_otp=shown.email_otp,
        email_sent=shown.email_sent,
    )
    targets = [shown.redirect_uri] if shown.redirect_uri else []
    response = page(html, status=shown.status, form_targets=targets)
    return with_retry_after(response, shown.retry_after)


async def recovery_codes_page(
    request: Request, tenant: Tenant, shown: RecoveryCodesPage, binding: str, return_to: str | None
) -> Response:
    """The codes of a factor enrolled at sign-in (tenant policy ``required``), shown once;
    its form continues the authorization (or goes to ``return_to``)."""
    html = container_of(request).pages.render(
        "mfa_recovery.html",
        tenant_name=tenant.display_name,
        client_name=shown.client_name,
        action=f"/t/{tenant.name}/mfa",
        csrf_token=await csrf_for(request, tenant, binding, MFA_FORM),
        codes=shown.codes,
        interaction=shown.interaction,
        return_to=return_to,
    )
    targets = [shown.redirect_uri] if shown.redirect_uri else []
    response = page(html, form_targets=targets)
    set_session_cookie(response, request, tenant, shown.new_session)
    return response
