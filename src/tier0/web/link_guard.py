"""The checks in front of a mailed link's ticket on the account pages (BF-04, AV-01).

The link's GET (reset: the change form; verification: the "Confirm" button) is counted in its
flow's rate-limit class, per IP and per tenant: the edge classifies only the POSTs of these
pages, so the handler counts the GET itself (``reset`` for the reset link, ``signup`` for
the verification link, whose POST is in that class too). Then, for the GET and the POST
alike, the ticket guess throttle (:class:`tier0.login.ticket_guard.TicketGuard`). A refusal
is the login UI's page with 429 and ``Retry-After`` (and ``X-RateLimit-*`` for a rate
limit); nothing about the ticket is looked at before.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from tier0.domain import Tenant
from tier0.protection.guessing import SecretKind
from tier0.protection.rate_limit_output import rate_limit_headers
from tier0.protection.rate_limits import EndpointClass, RateLimitKeys, Scope
from tier0.web.deps import container_of
from tier0.web.login_http import client_ip_of
from tier0.web.rate_limit import RefusalReporter
from tier0.web.too_many import too_many_page

__all__ = ["link_refusal", "ticket_failed", "ticket_refusal"]

#: What the edge counts for the form POSTs; the user scope has no key on a link.
_LINK_SCOPES = frozenset({Scope.IP, Scope.TENANT})


def _too_many(request: Request, wait: int, headers: dict[str, str] | None = None) -> Response:
    """The login UI's 429 page (the edge's for these forms too), with ``Retry-After``."""
    wait = max(1, wait)
    refusal = {**(headers or {}), "Retry-After": str(wait)}
    return too_many_page(container_of(request).pages, wait, refusal)


async def link_refusal(
    request: Request, tenant: Tenant, endpoint: EndpointClass, kind: SecretKind
) -> Response | None:
    """The 429 page for a link's GET over its rate limit or guess throttle, else None."""
    container = container_of(request)
    protection = container.protection
    if protection.rate_limits_enabled:
        keys = RateLimitKeys(tenant.name, ip=client_ip_of(request))
        decision = await protection.rate_limiter.hit(endpoint, keys, only=_LINK_SCOPES)
        if not decision.allowed:
            await RefusalReporter(container)(decision, endpoint, keys)
            return _too_many(request, decision.retry_after, rate_limit_headers(decision))
    return await ticket_refusal(request, tenant, kind)


async def ticket_refusal(request: Request, tenant: Tenant, kind: SecretKind) -> Response | None:
    """The 429 page while this IP may not have a ticket of ``kind`` looked at, else None."""
    guard = container_of(request).accounts.ticket_guard
    wait = await guard.wait(kind, tenant, client_ip_of(request))
    return _too_many(request, wait) if wait else None


async def ticket_failed(
    request: Request, tenant: Tenant, kind: SecretKind, ticket: str | None
) -> None:
    """A presented ticket was unknown, spent or expired: one of the IP's tries. A request
    with no ticket at all guessed nothing."""
    if ticket:
        guard = container_of(request).accounts.ticket_guard
        await guard.failed(kind, tenant, client_ip_of(request))
