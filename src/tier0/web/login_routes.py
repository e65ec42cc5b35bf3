"""Routes of the universal login: /authorize and the sign-in form (issue 3).

``GET|POST /t/{tenant}/authorize`` (OIDC Core §3.1.2.1: "Authorization Servers MUST
support the use of the HTTP GET and POST methods") validates the request and answers
with an error page, the sign-in page, or at once with a code when a live session
allows it (SSO). ``POST /t/{tenant}/login`` checks the password and resumes the
request with a 303 (OA-02). ``GET /t/{tenant}/login`` shows the sign-in page on its
own, for sign-ins no application asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from tier0.domain import Tenant
from tier0.login.factors import Answer
from tier0.login.guard import Attempt, counted_identifier
from tier0.login.headers import redirect_headers
from tier0.login.results import (
    ConsentPage,
    ErrorPage,
    FlowResult,
    RecoveryCodesPage,
    Refused,
    SecondFactorPage,
    SignInPage,
)
from tier0.login.return_to import safe_return_to
from tier0.login.second_factor import PasswordVerified
from tier0.login.sessions import StartedSession
from tier0.protection.rate_limits import EndpointClass
from tier0.protocol.params import RawParams
from tier0.web.account_pages import account_links
from tier0.web.deps import container_of, path_tenant
from tier0.web.login_http import (
    binding_of,
    client_ip_of,
    csrf_for,
    deliver,
    ensure_binding,
    error_page,
    first,
    forbidden,
    form_params,
    page,
    require_same_origin_form,
    session_cookie_of,
    set_binding_cookie,
    set_session_cookie,
    with_retry_after,
)
from tier0.web.mfa_pages import MFA_FORM, recovery_codes_page, second_factor_page
from tier0.web.passkey_ui import passwordless_fields
from tier0.web.rate_limit import enforce_rate_limit

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
LOGIN_FORM = "login"
CONSENT_FORM = "consent"


def _login_action(tenant: Tenant) -> str:
    return f"/t/{tenant.name}/login"


def _links(tenant: Tenant, interaction: str | None, return_to: str | None) -> dict[str, Any]:
    """The "forgot password" and "create an account" links of the sign-in page."""
    links = account_links(tenant, interaction=interaction, return_to=return_to)
    return {"reset_url": links.reset_url, "signup_url": links.signup_url}


def _query(request: Request) -> RawParams:
    raw: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        raw.setdefault(name, []).append(value)
    return raw


async def _sign_in_page(
    request: Request,
    tenant: Tenant,
    shown: SignInPage,
    binding: str,
    *,
    new_binding: bool,
    status: int = 200,
) -> Response:
    html = container_of(request).pages.login(
        tenant_name=tenant.display_name,
        client_name=shown.client_name,
        action=_login_action(tenant),
        csrf_token=await csrf_for(request, tenant, binding, LOGIN_FORM),
        interaction=shown.interaction,
        email=shown.email,
        error=shown.error,
        **await passwordless_fields(request, tenant, binding),
        **_links(tenant, shown.interaction, None),
    )
    # The form POSTs here and is answered with a 303 to the client (CSP form-action).
    response = page(html, status=status, form_targets=[shown.redirect_uri])
    with_retry_after(response, shown.retry_after)
    if new_binding:
        set_binding_cookie(response, request, tenant, binding)
    return response


async def _render(
    request: Request, tenant: Tenant, result: FlowResult, binding: str, new_binding: bool
) -> Response:
    if isinstance(result, ErrorPage):
        return error_page(request, tenant, result.error)
    if isinstance(result, SignInPage):
        return await _sign_in_page(
            request, tenant, result, binding, new_binding=new_binding, status=result.status
        )
    if isinstance(result, SecondFactorPage):
        return await second_factor_page(request, tenant, result, binding)
    if isinstance(result, RecoveryCodesPage):
        return await recovery_codes_page(request, tenant, result, binding, None)
    response: Response
    if isinstance(result, ConsentPage):
        response = await _consent_page(request, tenant, result, binding, new_binding=new_binding)
    else:
        response = deliver(request, tenant, result.response)
    if result.new_session is not None:
        set_session_cookie(response, request, tenant, result.new_session)
    return response


async def _consent_page(
    request: Request, tenant: Tenant, shown: ConsentPage, binding: str, *, new_binding: bool
) -> Response:
    html = container_of(request).pages.consent(
        tenant_name=tenant.display_name,
        client_name=shown.client_name,
        action=f"/t/{tenant.name}/consent",
        csrf_token=await csrf_for(request, tenant, binding, CONSENT_FORM),
        interaction=shown.interaction,
        scopes=shown.scope,
        audience=shown.audience,
    )
    response = page(html, form_targets=[shown.redirect_uri])
    if new_binding:
        set_binding_cookie(response, request, tenant, binding)
    return response


async def _authorize(request: Request, tenant: Tenant, raw: RawParams) -> Response:
    binding, new_binding = ensure_binding(request, tenant)
    result = await container_of(request).login.authorize(
        tenant,
        raw,
        session_cookie=session_cookie_of(request, tenant),
        binding=binding,
        ip=client_ip_of(request),
    )
    return await _render(request, tenant, result, binding, new_binding)


async def authorize_get(request: Request) -> Response:
    """``GET /t/{tenant}/authorize``: a plain Starlette endpoint (see :data:`HOT_ROUTES`)."""
    tenant = await path_tenant(request, request.path_params["tenant"])
    return await _authorize(request, tenant, _query(request))


@router.post("/t/{tenant}/authorize", include_in_schema=False)
async def authorize_post(request: Request, tenant: TenantDep) -> Response:
    return await _authorize(request, tenant, await form_params(request))


@router.get("/t/{tenant}/login", include_in_schema=False)
async def login_page(request: Request, tenant: TenantDep) -> Response:
    """The sign-in page without an authorization request (e.g. account pages)."""
    binding, new_binding = ensure_binding(request, tenant)
    return_to = safe_return_to(request.query_params.get("return_to"), prefix=f"/t/{tenant.name}/")
    html = container_of(request).pages.login(
        tenant_name=tenant.display_name,
        client_name=tenant.display_name,
        action=_login_action(tenant),
        csrf_token=await csrf_for(request, tenant, binding, LOGIN_FORM),
        return_to=return_to,
        **await passwordless_fields(request, tenant, binding),
        **_links(tenant, None, return_to),
    )
    response = page(html)
    if new_binding:
        set_binding_cookie(response, request, tenant, binding)
    return response


async def login_submit(request: Request) -> Response:
    """The sign-in POST: CSRF checks (IV-04), password, new session, 303 (OA-02). A plain
    Starlette endpoint (see :data:`HOT_ROUTES`)."""
    tenant = await path_tenant(request, request.path_params["tenant"])
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, LOGIN_FORM):
        return forbidden(request, tenant)
    binding = binding_of(request, tenant)
    if binding is None:  # unreachable: the CSRF check needs the binding cookie
        return forbidden(request, tenant)
    flow = container_of(request).login
    email, password = first(raw, "email") or "", first(raw, "password") or ""
    # AV-01 / BF-02, Auth0's same-user limit, per (IP, identifier): counted before any
    # password hash, and for every identifier alike, so an unknown address is counted and
    # refused as a known one (BF-03). Over it: the login UI's 429 page.
    await enforce_rate_limit(
        request,
        EndpointClass.LOGIN,
        tenant=tenant.name,
        user=counted_identifier(email),
        user_per_ip=True,
    )
    session_cookie = session_cookie_of(request, tenant)
    record = first(raw, "interaction")
    if record is None:
        return await _direct_sign_in(request, tenant, raw, binding, email, password)
    result = await flow.sign_in(
        tenant,
        record=record,
        binding=binding,
        email=email,
        password=password,
        session_cookie=session_cookie,
        ip=client_ip_of(request),
    )
    return await _render(request, tenant, result, binding, False)


async def _direct_sign_in(
    request: Request, tenant: Tenant, raw: RawParams, binding: str, email: str, password: str
) -> Response:
    """A sign-in with no application waiting: a session, then ``return_to`` (IV-07)."""
    container = container_of(request)
    started = await container.login.authenticate(
        Attempt(tenant, email, client_ip_of(request)), password, session_cookie_of(request, tenant)
    )
    return_to = safe_return_to(first(raw, "return_to"), prefix=f"/t/{tenant.name}/")
    if isinstance(started, Refused):
        html = container.pages.login(
            tenant_name=tenant.display_name,
            client_name=tenant.display_name,
            action=_login_action(tenant),
            csrf_token=await csrf_for(request, tenant, binding, LOGIN_FORM),
            return_to=return_to,
            email=email,
            error=started.message,
            **_links(tenant, None, return_to),
        )
        return with_retry_after(page(html, status=started.status), started.retry_after)
    if isinstance(started, PasswordVerified):
        shown = await container.login.ask_second_factor(
            tenant, binding, started, tenant.display_name, None, None
        )
        return await second_factor_page(
            request,
            tenant,
            replace(shown, return_to=return_to),
            binding,
        )
    return _signed_in(request, tenant, started, return_to)


def _signed_in(
    request: Request, tenant: Tenant, started: StartedSession, return_to: str | None
) -> Response:
    """A sign-in with no application waiting is done: the session, then ``return_to``."""
    response: Response
    if return_to is not None:
        response = RedirectResponse(return_to, status_code=303, headers=redirect_headers())
    else:
        response = page(container_of(request).pages.signed_in(tenant_name=tenant.display_name))
    set_session_cookie(response, request, tenant, started)
    return response


async def _continue_after_enrollment(
    request: Request, tenant: Tenant, raw: RawParams, binding: str
) -> Response:
    record = first(raw, "interaction")
    if record is None:
        return_to = safe_return_to(first(raw, "return_to"), prefix=f"/t/{tenant.name}/")
        if return_to is not None:
            return RedirectResponse(return_to, status_code=303, headers=redirect_headers())
        return page(container_of(request).pages.signed_in(tenant_name=tenant.display_name))
    result = await container_of(request).login.after_enrollment(
        tenant, record=record, binding=binding, session_cookie=session_cookie_of(request, tenant)
    )
    return await _render(request, tenant, result, binding, False)


async def _count_mfa_user(request: Request, tenant: Tenant, user_id: str) -> None:
    """AV-01: the per-user MFA limit, before a code is checked or sent."""
    await enforce_rate_limit(request, EndpointClass.MFA, tenant=tenant.name, user=user_id)


@router.post("/t/{tenant}/mfa", include_in_schema=False)
async def second_factor_submit(request: Request, tenant: TenantDep) -> Response:
    """The one-time-code POST (MF-04): CSRF checks (IV-04), the code, then a session with
    a truthful `amr` and the pending authorization (303) or ``return_to``."""
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, MFA_FORM):
        return forbidden(request, tenant)
    binding = binding_of(request, tenant)
    if binding is None:
        return forbidden(request, tenant)
    if first(raw, "action") == "continue":
        return await _continue_after_enrollment(request, tenant, raw, binding)
    result = await container_of(request).login.second_factor(
        tenant,
        record=first(raw, "interaction"),
        pending=first(raw, "pending"),
        binding=binding,
        answer=Answer(
            code=first(raw, "code") or "",
            via=first(raw, "via"),
            credential=first(raw, "credential") or "",
            state=first(raw, "webauthn_state") or "",
        ),
        session_cookie=session_cookie_of(request, tenant),
        ip=client_ip_of(request),
        factor_id=first(raw, "factor_id"),
        send_email=first(raw, "action") == "email",
        count_user=partial(_count_mfa_user, request, tenant),
    )
    return_to = safe_return_to(first(raw, "return_to"), prefix=f"/t/{tenant.name}/")
    if isinstance(result, StartedSession):
        return _signed_in(request, tenant, result, return_to)
    if isinstance(result, RecoveryCodesPage):
        return await recovery_codes_page(request, tenant, result, binding, return_to)
    if isinstance(result, SecondFactorPage) and result.interaction is None:
        result = replace(result, return_to=return_to)
    return await _render(request, tenant, result, binding, False)


@router.post("/t/{tenant}/consent", include_in_schema=False)
async def consent_submit(request: Request, tenant: TenantDep) -> Response:
    """The consent POST (OA-11): CSRF checks (IV-04), then a code or ``access_denied``."""
    raw = await form_params(request)
    if not await require_same_origin_form(request, tenant, raw, CONSENT_FORM):
        return forbidden(request, tenant)
    binding = binding_of(request, tenant)
    record = first(raw, "interaction")
    decision = first(raw, "decision")
    if binding is None or record is None or decision not in ("allow", "deny"):
        return forbidden(request, tenant)
    result = await container_of(request).login.consent(
        tenant,
        record=record,
        binding=binding,
        session_cookie=session_cookie_of(request, tenant),
        allow=decision == "allow",
    )
    return await _render(request, tenant, result, binding, False)


#: The two requests of every sign-in, as plain Starlette routes the app registers before
#: any router (as the token endpoint): no FastAPI dependency solving nor router walk. They
#: were never in the OpenAPI schema. POST /authorize and GET /login stay on ``router``.
HOT_ROUTES: tuple[tuple[str, Callable[[Request], Awaitable[Response]], str], ...] = (
    ("/t/{tenant}/authorize", authorize_get, "GET"),
    ("/t/{tenant}/login", login_submit, "POST"),
)
