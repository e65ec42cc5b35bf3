"""The brute-force unblock link of the blocked-account e-mail (BF-01).

``GET /t/{tenant}/u/unblock?ticket=…`` shows a confirmation page and spends nothing: mail
scanners and link previews fetch links, and a GET that lifted the block would burn the
ticket before the user saw it (GET never changes state here, ASVS 3.5.3). The page's form
POSTs the ticket with the usual CSRF token (IV-04); the POST spends it once and lifts that
IP's block for that account. Tickets are guessable secrets like reset tokens, so a wrong or
spent one counts against the IP's guessing bucket (BF-04).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tier0.domain import Tenant
from tier0.protection.guessing import SecretKind
from tier0.web.deps import container_of, path_tenant
from tier0.web.link_guard import ticket_failed, ticket_refusal
from tier0.web.login_http import (
    client_ip_of,
    csrf_for,
    ensure_binding,
    first,
    forbidden,
    form_params,
    page,
    require_same_origin_form,
    set_binding_cookie,
)

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
UNBLOCK_FORM = "unblock"


def _render(request: Request, tenant: Tenant, state: str, **context: str) -> str:
    return container_of(request).pages.render(
        "unblock.html",
        tenant_name=tenant.display_name,
        state=state,
        action=f"/t/{tenant.name}/u/unblock",
        ticket=context.get("ticket", ""),
        csrf_token=context.get("csrf_token", ""),
    )


async def _throttled(request: Request, tenant: Tenant) -> Response | None:
    """The login UI's 429 page (and a ``suspicious_ip.throttled`` event) while this IP may
    not have an unblock ticket looked at."""
    return await ticket_refusal(request, tenant, SecretKind.UNBLOCK_TOKEN)


async def _wrong_ticket(request: Request, tenant: Tenant, ticket: str) -> Response:
    await ticket_failed(request, tenant, SecretKind.UNBLOCK_TOKEN, ticket)
    return page(_render(request, tenant, "invalid"), status=400)


@router.get("/t/{tenant}/u/unblock", include_in_schema=False)
async def unblock_page(request: Request, tenant: TenantDep) -> Response:
    if (refused := await _throttled(request, tenant)) is not None:
        return refused
    ticket = request.query_params.get("ticket", "")
    if not await container_of(request).protection_blocks.ticket_is_live(tenant, ticket):
        return await _wrong_ticket(request, tenant, ticket)
    binding, new_binding = ensure_binding(request, tenant)
    token = await csrf_for(request, tenant, binding, UNBLOCK_FORM)
    response = page(_render(request, tenant, "confirm", ticket=ticket, csrf_token=token))
    if new_binding:
        set_binding_cookie(response, request, tenant, binding)
    return response


@router.post("/t/{tenant}/u/unblock", include_in_schema=False)
async def unblock_confirmed(request: Request, tenant: TenantDep) -> Response:
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, UNBLOCK_FORM):
        return forbidden(request, tenant)
    if (refused := await _throttled(request, tenant)) is not None:
        return refused
    container = container_of(request)
    ticket = first(raw, "ticket") or ""
    done = await container.protection_blocks.redeem(
        tenant,
        ticket,
        ip=client_ip_of(request) or None,
        user_agent=request.headers.get("user-agent"),
    )  # the ticket, the event, then the lift (tier0.services.protection_blocks)
    if done is None:
        return await _wrong_ticket(request, tenant, ticket)
    return page(_render(request, tenant, "done"))
