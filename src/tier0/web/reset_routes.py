"""Password-reset pages (PW-07): ``/t/{tenant}/u/reset-password`` asks for the address,
``.../change?ticket=`` (the mailed link) takes the new password. Both POSTs count in the
``reset`` rate-limit class at the edge, the link's GET in the handler; mails are also
throttled per address. The link's ticket is a guessable secret (BF-04): its GET and POST
ask the IP's guess throttle first and count a wrong ticket against it
(:mod:`tier0.web.link_guard`).

The request answers with the same page for every address and does its work (ticket, mail)
after the answer was sent, so neither body nor timing tells whether an account exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.background import BackgroundTask
from starlette.responses import Response

from tier0.domain import Tenant
from tier0.login.reset import ResetExpired, ResetRejected
from tier0.protection.guessing import SecretKind
from tier0.protection.rate_limits import EndpointClass as E
from tier0.web.account_pages import EMAIL_MAX, form_page, message
from tier0.web.deps import container_of, path_tenant
from tier0.web.link_guard import link_refusal, ticket_failed, ticket_refusal
from tier0.web.login_http import (
    clear_session_cookie,
    client_ip_of,
    first,
    forbidden,
    form_params,
    require_same_origin_form,
)
from tier0.web.rate_limit import enforce_rate_limit

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
REQUEST_FORM = "reset-request"
CHANGE_FORM = "reset-change"
TICKET = SecretKind.RESET_TOKEN


def _path(tenant: Tenant, rest: str = "") -> str:
    return f"/t/{tenant.name}/u/reset-password{rest}"


def _expired(request: Request, tenant: Tenant) -> Response:
    return message(
        request,
        tenant,
        "This link does not work any more",
        "Password reset links work once and expire within an hour. Ask for a new one.",
        status=400,
        link=_path(tenant),
        link_text="Reset your password",
    )


async def _request_page(
    request: Request, tenant: Tenant, *, email: str = "", sent: bool = False
) -> Response:
    lifetime = container_of(request).settings.password_reset_lifetime
    return await form_page(
        request,
        tenant,
        "reset_request.html",
        REQUEST_FORM,
        action=_path(tenant),
        email=email,
        sent=sent,
        expires_minutes=lifetime // 60,
    )


@router.get("/t/{tenant}/u/reset-password", include_in_schema=False)
async def request_page(request: Request, tenant: TenantDep) -> Response:
    return await _request_page(request, tenant)


@router.post("/t/{tenant}/u/reset-password", include_in_schema=False)
async def request_submit(request: Request, tenant: TenantDep) -> Response:
    """PW-07: one answer for known and unknown addresses; the mail goes out afterwards."""
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, REQUEST_FORM):
        return forbidden(request, tenant)
    email = (first(raw, "email") or "").strip()[:EMAIL_MAX]
    if email:
        # The per-address scope of the reset class, counted for any address alike.
        await enforce_rate_limit(request, E.RESET, tenant=tenant.name, user=email.lower())
    response = await _request_page(request, tenant, email=email, sent=True)
    if email:
        reset = container_of(request).accounts.reset
        response.background = BackgroundTask(reset.request, tenant, email, ip=client_ip_of(request))
    return response


async def _change_form(
    request: Request, tenant: Tenant, ticket: str, *, error: str | None = None, status: int = 200
) -> Response:
    return await form_page(
        request,
        tenant,
        "reset_password.html",
        CHANGE_FORM,
        status=status,
        action=_path(tenant, "/change"),
        ticket=ticket,
        error=error,
    )


@router.get("/t/{tenant}/u/reset-password/change", include_in_schema=False)
async def change_page(request: Request, tenant: TenantDep) -> Response:
    if (refused := await link_refusal(request, tenant, E.RESET, TICKET)) is not None:
        return refused
    ticket = request.query_params.get("ticket")
    if ticket is None or not await container_of(request).accounts.reset.usable(tenant, ticket):
        await ticket_failed(request, tenant, TICKET, ticket)
        return _expired(request, tenant)
    return await _change_form(request, tenant, ticket)


@router.post("/t/{tenant}/u/reset-password/change", include_in_schema=False)
async def change_submit(request: Request, tenant: TenantDep) -> Response:
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, CHANGE_FORM):
        return forbidden(request, tenant)
    if (refused := await ticket_refusal(request, tenant, TICKET)) is not None:
        return refused
    ticket = first(raw, "ticket")
    outcome = await container_of(request).accounts.reset.complete(
        tenant, ticket, first(raw, "password") or "", ip=client_ip_of(request)
    )
    if isinstance(outcome, ResetExpired) or ticket is None:
        await ticket_failed(request, tenant, TICKET, ticket)
        return _expired(request, tenant)
    if isinstance(outcome, ResetRejected):
        return await _change_form(request, tenant, ticket, error=outcome.message, status=400)
    response = message(
        request,
        tenant,
        "Your password is changed",
        "You were signed out everywhere. Sign in again with your new password.",
        link=f"/t/{tenant.name}/login",
        link_text="Sign in",
    )
    clear_session_cookie(response, request, tenant)
    return response
