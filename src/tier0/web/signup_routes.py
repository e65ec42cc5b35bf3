"""Sign-up pages of the universal login: ``/t/{tenant}/u/signup`` (Auth0's path).

Only when the tenant switched sign-up on (:mod:`tier0.login.account_policy`); otherwise a
404 page. The POST is counted in the ``signup`` rate-limit class at the edge, then in the
IP's ``pre-user-registration`` bucket of suspicious-IP throttling (BF-02): an empty bucket
gets the form again with 429 and ``Retry-After``, before any password work. Its answer is
the same "check your inbox, then sign in" page for every address (BF-03); the account (or
the note to an existing account's owner) is made after the answer was sent, as a
background task. The sign-in form on that page carries the pending authorization, so the
/authorize request resumes once the user signs in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.background import BackgroundTask
from starlette.responses import Response

from tier0.domain import Tenant
from tier0.login.account_policy import signup_enabled, verification_required
from tier0.login.results import TOO_MANY
from tier0.login.return_to import safe_return_to
from tier0.login.signup import SignupRejected, SignupThrottled
from tier0.web.account_pages import EMAIL_MAX, Target, form_page, message, target_of
from tier0.web.deps import container_of, path_tenant
from tier0.web.login_http import (
    binding_of,
    client_ip_of,
    first,
    forbidden,
    form_params,
    require_same_origin_form,
    with_retry_after,
)
from tier0.web.login_routes import LOGIN_FORM

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
SIGNUP_FORM = "signup"


def _closed(request: Request, tenant: Tenant) -> Response:
    return message(
        request,
        tenant,
        "Sign-up is not available",
        "New accounts cannot be created here. Ask the application's owner for an account.",
        status=404,
    )


async def _signup_form(
    request: Request,
    tenant: Tenant,
    target: Target,
    *,
    interaction: str | None,
    return_to: str | None,
    email: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    return await form_page(
        request,
        tenant,
        "signup.html",
        SIGNUP_FORM,
        status=status,
        action=f"/t/{tenant.name}/u/signup",
        client_name=target.client_name,
        interaction=interaction,
        return_to=return_to,
        email=email,
        error=error,
    )


@router.get("/t/{tenant}/u/signup", include_in_schema=False)
async def signup_page(request: Request, tenant: TenantDep) -> Response:
    if not signup_enabled(tenant):
        return _closed(request, tenant)
    record = request.query_params.get("interaction")
    target = await target_of(request, tenant, record, binding_of(request, tenant))
    if isinstance(target, Response):
        return target
    return_to = safe_return_to(request.query_params.get("return_to"), prefix=f"/t/{tenant.name}/")
    return await _signup_form(request, tenant, target, interaction=record, return_to=return_to)


@router.post("/t/{tenant}/u/signup", include_in_schema=False)
async def signup_submit(request: Request, tenant: TenantDep) -> Response:
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, SIGNUP_FORM):
        return forbidden(request, tenant)
    if not signup_enabled(tenant):
        return _closed(request, tenant)
    record = first(raw, "interaction")
    target = await target_of(request, tenant, record, binding_of(request, tenant))
    if isinstance(target, Response):
        return target
    return_to = safe_return_to(first(raw, "return_to"), prefix=f"/t/{tenant.name}/")
    email = (first(raw, "email") or "").strip()[:EMAIL_MAX]
    ip = client_ip_of(request)
    signup = container_of(request).accounts.signup
    checked = await signup.check(tenant, email, first(raw, "password") or "", ip=ip)
    if isinstance(checked, SignupThrottled):
        refused = await _signup_form(
            request, tenant, target, interaction=record, return_to=return_to,
            email=email, error=TOO_MANY.message, status=TOO_MANY.status,
        )  # fmt: skip
        return with_retry_after(refused, checked.retry_after)
    if isinstance(checked, SignupRejected):
        return await _signup_form(
            request, tenant, target, interaction=record, return_to=return_to,
            email=email, error=checked.message, status=400,
        )  # fmt: skip
    response = await form_page(
        request,
        tenant,
        "signup_sent.html",
        LOGIN_FORM,
        # The sign-in form's answer is a 303 to the client (CSP form-action).
        form_targets=[target.redirect_uri] if target.redirect_uri else [],
        action=f"/t/{tenant.name}/login",
        client_name=target.client_name,
        interaction=record,
        return_to=return_to,
        email=checked.email,
        verification_required=verification_required(tenant),
        resend_url=f"/t/{tenant.name}/u/email-verification/resend",
    )
    response.background = BackgroundTask(signup.create, tenant, checked, ip=ip)
    return response
