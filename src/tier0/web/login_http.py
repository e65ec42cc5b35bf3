"""HTTP plumbing shared by the universal-login routes: cookies, CSRF, page responses.

Every page and redirect the login sends carries the headers of
:mod:`tier0.login.headers` (IV-05, IV-06). This is the one place the login's results
become HTTP responses (STYLE.md rule 9).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tier0.crypto.random import random_token
from tier0.domain import Tenant
from tier0.login.csrf import CsrfError, check_fetch_metadata, csrf_token, verify_csrf_token
from tier0.login.headers import page_headers, redirect_headers
from tier0.login.sessions import StartedSession
from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.errors import InvalidRequest, OAuthError
from tier0.protocol.params import RawParams
from tier0.protocol.responses import AuthorizationResponse
from tier0.web.deps import container_of
from tier0.web.oauth.body import FORM_MEDIA_TYPE, form_fields, media_type

__all__ = [
    "binding_of",
    "client_ip_of",
    "deliver",
    "error_page",
    "forbidden",
    "form_params",
    "page",
    "require_same_origin_form",
    "set_session_cookie",
]

_BINDING = re.compile(r"[A-Za-z0-9_-]{22,64}")
_BINDING_MAX_AGE = 86_400
_FORM_MAX_BYTES = 64 * 1024


def own_origin(public_url: str) -> str:
    parts = urlsplit(public_url)
    return f"{parts.scheme}://{parts.netloc}"


def client_ip_of(request: Request) -> str | None:
    """The client IP the rate-limit middleware resolved (trusted proxies applied)."""
    resolved = getattr(request.state, "client_ip", None)
    if isinstance(resolved, str):
        return resolved
    proxies = container_of(request).protection.proxies
    return proxies.client_ip(request.client.host, request.headers) if request.client else None


def binding_of(request: Request, tenant: Tenant) -> str | None:
    """This browser's binding value, if it sent a well-formed one."""
    name = container_of(request).cookies.binding_name(tenant.name)
    value = request.cookies.get(name)
    return value if value is not None and _BINDING.fullmatch(value) else None


def ensure_binding(request: Request, tenant: Tenant) -> tuple[str, bool]:
    """The binding value to use, and whether it is new (so the cookie must be set)."""
    existing = binding_of(request, tenant)
    return (existing, False) if existing else (random_token(16), True)


def set_binding_cookie(response: Response, request: Request, tenant: Tenant, value: str) -> None:
    policy = container_of(request).cookies
    response.set_cookie(
        policy.binding_name(tenant.name),
        value,
        max_age=_BINDING_MAX_AGE,
        path="/",
        secure=policy.secure,
        httponly=True,
        samesite="lax",
    )


def set_session_cookie(
    response: Response, request: Request, tenant: Tenant, started: StartedSession
) -> None:
    """SE-01: HttpOnly, Path=/, SameSite=Lax, Secure (and ``__Host-``) over https."""
    container = container_of(request)
    response.set_cookie(
        container.cookies.session_name(tenant.name),
        started.cookie_value,
        max_age=_lifetime_seconds(started),
        path="/",
        secure=container.cookies.secure,
        httponly=True,
        samesite="lax",
    )


def _lifetime_seconds(started: StartedSession) -> int:
    """The session's absolute lifetime (the tenant's, SE-03): the cookie lives no longer."""
    session = started.session
    if session.expires_at is None or session.created_at is None:
        return 0
    return max(0, int((session.expires_at - session.created_at).total_seconds()))


def clear_session_cookie(response: Response, request: Request, tenant: Tenant) -> None:
    policy = container_of(request).cookies
    response.delete_cookie(
        policy.session_name(tenant.name),
        path="/",
        secure=policy.secure,
        httponly=True,
        samesite="lax",
    )


def session_cookie_of(request: Request, tenant: Tenant) -> str | None:
    return request.cookies.get(container_of(request).cookies.session_name(tenant.name))


def page(html: str, *, status: int = 200, form_targets: Iterable[str] = ()) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=page_headers(form_targets))


def with_retry_after(response: Response, wait: int) -> Response:
    """A page refusing with 429 says how long to wait (RFC 9110 §10.2.3, BF-01/02)."""
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, wait))
    return response


def error_page(request: Request, tenant: Tenant, error: OAuthError) -> HTMLResponse:
    """A friendly, escaped error page (IV-03); never a redirect (OA-02)."""
    html = container_of(request).pages.error(
        tenant_name=tenant.display_name,
        message="The application sent a request that cannot be completed.",
        error_code=error.error,
        description=error.description,
    )
    return page(html, status=error.status_code)


def forbidden(request: Request, tenant: Tenant) -> HTMLResponse:
    html = container_of(request).pages.error(
        tenant_name=tenant.display_name,
        message="This form was not sent from this site, or it has expired. Please try again.",
    )
    return page(html, status=403)


def deliver(request: Request, tenant: Tenant, response: AuthorizationResponse) -> Response:
    """303 to the redirect URI (never 307: OA-02) or the form_post page."""
    if response.mode is ResponseMode.FORM_POST:
        html = container_of(request).pages.form_post(
            tenant_name=tenant.display_name,
            redirect_uri=response.redirect_uri,
            fields=response.params,
        )
        return page(html, form_targets=[response.redirect_uri])
    return RedirectResponse(
        response.redirect_location(), status_code=303, headers=redirect_headers()
    )


async def form_params(request: Request) -> RawParams:
    """The form body as a multi-dict of lists (every value of every name, in order)."""
    if int(request.headers.get("content-length") or 0) > _FORM_MAX_BYTES:
        return {}
    if media_type(request) == FORM_MEDIA_TYPE:
        # What the browser's forms send: the token endpoint's parser, which reads a body as
        # Starlette's form parser does without its per-byte callbacks (a third of the cost;
        # tests/unit/web/test_oauth_body.py holds the two equal).
        try:
            return form_fields(await request.body())
        except InvalidRequest:  # over 64 fields: what request.form() answers
            raise HTTPException(400, "Too many fields.") from None
    form = await request.form(max_files=0, max_fields=64)
    raw: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            raw.setdefault(name, []).append(value)
    return raw


def first(raw: RawParams, name: str) -> str | None:
    """The single value of a form field; a repeated field counts as absent."""
    values = raw.get(name, ())
    return values[0] if len(values) == 1 else None


async def csrf_for(request: Request, tenant: Tenant, binding: str, form: str) -> str:
    key = await container_of(request).keyring.hash_key(tenant.id)
    return csrf_token(key, binding=binding, form=form)


async def require_same_origin_form(
    request: Request, tenant: Tenant, raw: RawParams, form: str
) -> bool:
    """IV-04: fetch metadata / Origin, then the per-form token. False: answer 403."""
    container = container_of(request)
    try:
        check_fetch_metadata(
            origin=request.headers.get("origin"),
            fetch_site=request.headers.get("sec-fetch-site"),
            own_origin=own_origin(container.settings.public_url),
        )
        key = await container.keyring.hash_key(tenant.id)
        verify_csrf_token(
            key, binding=binding_of(request, tenant), form=form, token=first(raw, "csrf_token")
        )
    except CsrfError:
        return False
    return True
