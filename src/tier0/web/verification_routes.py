"""Email-verification pages: ``/t/{tenant}/u/email-verification`` (the mailed link) and
``.../resend`` (a new link). POSTs count in the ``signup`` rate-limit class at the edge, the
link's GET in the handler; the resend is also throttled per address
(:class:`tier0.login.account_support.MailThrottle`). The link's ticket is a guessable secret
(BF-04): its GET and POST ask the IP's guess throttle first and count a wrong ticket against
it (:mod:`tier0.web.link_guard`).

The link's GET only shows a "Confirm" button; its POST spends the ticket, so link scanners
in mail systems cannot use it up. Resending answers the same for every address (BF-03)
and does its work after the answer was sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.background import BackgroundTask
from starlette.responses import Response

from tier0.domain import Tenant
from tier0.protection.guessing import SecretKind
from tier0.protection.rate_limits import EndpointClass
from tier0.web.account_pages import EMAIL_MAX, form_page, message
from tier0.web.deps import container_of, path_tenant
from tier0.web.link_guard import link_refusal, ticket_failed, ticket_refusal
from tier0.web.login_http import (
    client_ip_of,
    first,
    forbidden,
    form_params,
    require_same_origin_form,
)

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
VERIFY_FORM = "verify-email"
RESEND_FORM = "resend-verification"
TICKET = SecretKind.VERIFICATION_TOKEN


def _path(tenant: Tenant, rest: str = "") -> str:
    return f"/t/{tenant.name}/u/email-verification{rest}"


def _expired(request: Request, tenant: Tenant) -> Response:
    return message(
        request,
        tenant,
        "This link does not work any more",
        "Confirmation links work once and expire. Ask for a new one.",
        status=400,
        link=_path(tenant, "/resend"),
        link_text="Send a new link",
    )


@router.get("/t/{tenant}/u/email-verification", include_in_schema=False)
async def verify_page(request: Request, tenant: TenantDep) -> Response:
    if (refused := await link_refusal(request, tenant, EndpointClass.SIGNUP, TICKET)) is not None:
        return refused
    ticket = request.query_params.get("ticket")
    if not await container_of(request).accounts.verification.usable(tenant, ticket):
        await ticket_failed(request, tenant, TICKET, ticket)
        return _expired(request, tenant)
    return await form_page(
        request, tenant, "verify_email.html", VERIFY_FORM, action=_path(tenant), ticket=ticket
    )


@router.post("/t/{tenant}/u/email-verification", include_in_schema=False)
async def verify_submit(request: Request, tenant: TenantDep) -> Response:
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, VERIFY_FORM):
        return forbidden(request, tenant)
    if (refused := await ticket_refusal(request, tenant, TICKET)) is not None:
        return refused
    verification = container_of(request).accounts.verification
    ticket = first(raw, "ticket")
    if not await verification.verify(tenant, ticket, ip=client_ip_of(request)):
        await ticket_failed(request, tenant, TICKET, ticket)
        return _expired(request, tenant)
    return message(
        request,
        tenant,
        "Email address confirmed",
        "Thank you. You can now return to the application and sign in.",
    )


@router.get("/t/{tenant}/u/email-verification/resend", include_in_schema=False)
async def resend_page(request: Request, tenant: TenantDep) -> Response:
    return await form_page(
        request,
        tenant,
        "resend_verification.html",
        RESEND_FORM,
        action=_path(tenant, "/resend"),
        email="",
        sent=False,
    )


@router.post("/t/{tenant}/u/email-verification/resend", include_in_schema=False)
async def resend_submit(request: Request, tenant: TenantDep) -> Response:
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, RESEND_FORM):
        return forbidden(request, tenant)
    email = (first(raw, "email") or "").strip()[:EMAIL_MAX]
    response = await form_page(
        request,
        tenant,
        "resend_verification.html",
        RESEND_FORM,
        action=_path(tenant, "/resend"),
        email=email,
        sent=True,
    )
    if email:
        verification = container_of(request).accounts.verification
        response.background = BackgroundTask(
            verification.resend, tenant, email, ip=client_ip_of(request)
        )
    return response
