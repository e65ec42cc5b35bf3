"""HTTP helpers shared by the sign-up, verification and reset pages of the universal login.

Every form carries a per-form CSRF token bound to the browser (IV-04), like the sign-in
form; every page is escaped Jinja2 without inline script (IV-03) with the login's headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from tier0.domain import Tenant
from tier0.login.account_policy import signup_enabled
from tier0.login.results import ErrorPage
from tier0.web.deps import container_of
from tier0.web.login_http import (
    csrf_for,
    ensure_binding,
    error_page,
    page,
    set_binding_cookie,
)

__all__ = ["LoginLinks", "Target", "account_links", "form_page", "message", "target_of"]

EMAIL_MAX = 320


@dataclass(frozen=True, slots=True)
class Target:
    """Where a sign-in on an account page leads: an application waiting, or none."""

    client_name: str
    redirect_uri: str | None


@dataclass(frozen=True, slots=True)
class LoginLinks:
    reset_url: str
    signup_url: str | None


def account_links(tenant: Tenant, *, interaction: str | None, return_to: str | None) -> LoginLinks:
    """The sign-in page's "forgot password" and (when the tenant allows it) sign-up links;
    sign-up keeps the pending authorization (or ``return_to``) to resume afterwards."""
    base = f"/t/{tenant.name}/u"
    signup = None
    if signup_enabled(tenant):
        query = {"interaction": interaction} if interaction else {}
        if return_to and not interaction:
            query["return_to"] = return_to
        signup = f"{base}/signup" + (f"?{urlencode(query)}" if query else "")
    return LoginLinks(f"{base}/reset-password", signup)


async def target_of(
    request: Request, tenant: Tenant, record: str | None, binding: str | None
) -> Target | Response:
    """The waiting application of an interaction record, or an error page if it expired."""
    if record is None:
        return Target(tenant.display_name, None)
    resumed = await container_of(request).login.resume(tenant, record=record, binding=binding)
    if isinstance(resumed, ErrorPage):
        return error_page(request, tenant, resumed.error)
    authorization, app = resumed
    return Target(app.name, authorization.redirect_uri)


async def form_page(
    request: Request,
    tenant: Tenant,
    template: str,
    form: str,
    *,
    status: int = 200,
    form_targets: list[str] | None = None,
    **context: object,
) -> HTMLResponse:
    """A page with one CSRF-protected form; sets the binding cookie if the browser had none."""
    binding, new_binding = ensure_binding(request, tenant)
    container = container_of(request)
    html = container.pages.render(
        template,
        tenant_name=tenant.display_name,
        csrf_token=await csrf_for(request, tenant, binding, form),
        min_length=container.passwords.policy_for(tenant.name).min_length,
        **context,
    )
    response = page(html, status=status, form_targets=form_targets or [])
    if new_binding:
        set_binding_cookie(response, request, tenant, binding)
    return response


def message(
    request: Request,
    tenant: Tenant,
    title: str,
    text: str,
    *,
    status: int = 200,
    link: str | None = None,
    link_text: str = "",
) -> HTMLResponse:
    html = container_of(request).pages.render(
        "account_message.html",
        tenant_name=tenant.display_name,
        title=title,
        message=text,
        link=link,
        link_text=link_text,
    )
    return page(html, status=status)
