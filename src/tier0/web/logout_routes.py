"""Logout: OpenID Connect RP-Initiated Logout 1.0 and Auth0's ``/v2/logout`` (SE-04).

RP-Initiated Logout §2: "At the Logout Endpoint, the OP SHOULD ask the End-User whether to
log out of the OP as well." GET never changes state (IV-04): it validates the request and
shows a confirmation page; the POST from that page (CSRF token, same origin) ends the
session. The confirmation is shown even with a valid ``id_token_hint``: a hint proves who
the RP is, not that the user wants to leave.

``post_logout_redirect_uri`` (§3): "The value MUST have been previously registered with
the OP" and is compared exactly (OA-01 rules) with the client's ``allowed_logout_urls``;
the client comes from ``client_id`` or from the audience of a valid ``id_token_hint``
(:mod:`tier0.login.id_token_hint`; an invalid hint is an error page). An unregistered
URI, or one without a client, gets an error page and no redirect. ``state`` is echoed to
the redirect.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.domain.grants import Grant
from tier0.login.headers import redirect_headers
from tier0.login.id_token_hint import verify_id_token_hint
from tier0.protocol.errors import InvalidRequest, OAuthError
from tier0.protocol.params import RawParams
from tier0.services.revocation import revoke_session_grants
from tier0.web.deps import container_of, path_tenant
from tier0.web.login_http import (
    clear_session_cookie,
    client_ip_of,
    csrf_for,
    ensure_binding,
    error_page,
    forbidden,
    form_params,
    page,
    require_same_origin_form,
    session_cookie_of,
    set_binding_cookie,
)

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]
LOGOUT_FORM = "logout"
_MAX = 2048
_MAX_HINT = 8192


def _one(raw: RawParams, name: str, limit: int = _MAX) -> str | None:
    values = [value for value in raw.get(name, ()) if value]
    if len(values) > 1:
        raise InvalidRequest(f"The {name} parameter was sent more than once.")
    if values and len(values[0]) > limit:
        raise InvalidRequest(f"The {name} parameter is too long.")
    return values[0] if values else None


async def _checked_redirect(
    request: Request, tenant: Tenant, client_id: str | None, redirect_uri: str | None
) -> tuple[str | None, str | None]:
    """(client name, redirect URI) after the exact-match check, or InvalidRequest."""
    app = await container_of(request).login.find_client(tenant, client_id) if client_id else None
    if client_id is not None and app is None:
        raise InvalidRequest("Unknown client.")
    if redirect_uri is None:
        return (app.name if app else None), None
    if app is None:
        raise InvalidRequest("post_logout_redirect_uri needs the client_id of its application.")
    if redirect_uri not in app.allowed_logout_urls:
        raise InvalidRequest("The post_logout_redirect_uri is not registered for this client.")
    return app.name, redirect_uri


async def _confirmation(
    request: Request,
    tenant: Tenant,
    client_id: str | None,
    redirect_uri: str | None,
    state: str | None,
) -> Response:
    try:
        client_name, redirect_uri = await _checked_redirect(
            request, tenant, client_id, redirect_uri
        )
    except OAuthError as exc:
        return error_page(request, tenant, exc)
    binding, new_binding = ensure_binding(request, tenant)
    fields = [
        (name, value)
        for name, value in (
            ("client_id", client_id),
            ("post_logout_redirect_uri", redirect_uri),
            ("state", state),
        )
        if value is not None
    ]
    html = container_of(request).pages.logout(
        tenant_name=tenant.display_name,
        action=f"/t/{tenant.name}/oidc/logout",
        csrf_token=await csrf_for(request, tenant, binding, LOGOUT_FORM),
        client_name=client_name,
        fields=fields,
    )
    response = page(html, form_targets=[redirect_uri] if redirect_uri else [])
    if new_binding:
        set_binding_cookie(response, request, tenant, binding)
    return response


async def _hinted_client(
    request: Request, tenant: Tenant, client_id: str | None, hint: str | None
) -> str | None:
    """The client of the logout: ``client_id``, or the audience of a valid hint.

    With both, the hint must have been issued to that client.
    """
    if hint is None:
        return client_id
    container = container_of(request)
    verified = await verify_id_token_hint(
        hint,
        tenant_id=tenant.id,
        issuer=container.settings.tenant_base_url(tenant.name),
        keys=container.keys,
        clock=container.clock,
        # A hint may be as old as the tenant's longest session (SE-03: per tenant).
        grace_seconds=int(container.sessions.policy.for_tenant(tenant).absolute.total_seconds()),
    )
    if client_id is not None and client_id not in verified.audiences:
        raise InvalidRequest("The id_token_hint was issued to another client.")
    if client_id is None and len(verified.audiences) == 1:
        return verified.audiences[0]
    return client_id


async def _oidc_confirmation(request: Request, tenant: Tenant, raw: RawParams) -> Response:
    try:
        client_id = await _hinted_client(
            request, tenant, _one(raw, "client_id"), _one(raw, "id_token_hint", _MAX_HINT)
        )
        redirect_uri = _one(raw, "post_logout_redirect_uri")
        state = _one(raw, "state")
    except OAuthError as exc:
        return error_page(request, tenant, exc)
    return await _confirmation(request, tenant, client_id, redirect_uri, state)


async def _end_session(request: Request, tenant: Tenant, client_id: str | None) -> None:
    """End the session, revoke the grants issued in it, and write ``session.ended`` and a
    ``refresh_token.revoked`` per family that held refresh tokens, in one transaction
    (issue #6): a session that ended has its events and its refresh tokens are dead, and
    one whose events could not be written is still live with its tokens (the error page
    says so; the user can try again) rather than ended unrecorded. The caller answers
    only after this commits (AV-06: revocations commit first).

    OA-08: refresh tokens are "revoked on password change/logout". Stricter than Auth0,
    whose logout leaves them alone; the user's other sessions keep theirs."""
    container = container_of(request)
    cookie = session_cookie_of(request, tenant)
    ip = client_ip_of(request)
    # Keys read before the transaction: the keyring may read its own, and they do not nest.
    await container.keyring.hash_key(tenant.id)
    await container.audit.chain_key(tenant.id)
    async with container.db.transaction() as uow:
        ended = await container.sessions.end(tenant, cookie, uow=uow)
        if ended is None:
            return
        now = container.clock.now()
        revoked = await revoke_session_grants(uow, tenant.id, ended.user_id, ended.sid, now)
        for family in revoked:
            if family.refresh_tokens:
                await container.audit.record(uow, _revoked_event(container.clock, family.grant, ip))
        event = SecurityEvent.create(
            EventType.SESSION_ENDED,
            clock=container.clock,
            tenant_id=tenant.id,
            actor=Actor.user(ended.user_id),
            subject=Subject.of("user", ended.user_id),
            client_id=client_id,
            ip=ip,
            details={"grants_revoked": len(revoked)},
        )
        await container.audit.record(uow, event)


def _revoked_event(clock: Clock, grant: Grant, ip: str | None) -> SecurityEvent:
    """The event the revocation endpoint writes for a family, with the reason."""
    return SecurityEvent.create(
        EventType.REFRESH_TOKEN_REVOKED,
        clock=clock,
        tenant_id=grant.tenant_id,
        actor=Actor.user(grant.user_id),
        subject=Subject.of("grant", grant.id),
        client_id=grant.client_id,
        ip=ip,
        details={"reason": "logout"},
    )


@router.get("/t/{tenant}/oidc/logout", include_in_schema=False)
async def oidc_logout_get(request: Request, tenant: TenantDep) -> Response:
    raw: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        raw.setdefault(name, []).append(value)
    return await _oidc_confirmation(request, tenant, raw)


@router.post("/t/{tenant}/oidc/logout", include_in_schema=False)
async def oidc_logout_post(request: Request, tenant: TenantDep) -> Response:
    """From the confirmation page: end the session. From an RP (no token): confirm first."""
    raw = await form_params(request)
    if "csrf_token" not in raw:
        return await _oidc_confirmation(request, tenant, raw)
    if not await require_same_origin_form(request, tenant, raw, LOGOUT_FORM):
        return forbidden(request, tenant)
    try:
        state = _one(raw, "state")
        client_id = _one(raw, "client_id")
        _name, redirect_uri = await _checked_redirect(
            request, tenant, client_id, _one(raw, "post_logout_redirect_uri")
        )
    except OAuthError as exc:
        return error_page(request, tenant, exc)
    container = container_of(request)
    await _end_session(request, tenant, client_id)
    response: Response
    if redirect_uri is not None:
        query = urlencode([("state", state)]) if state is not None else ""
        separator = "&" if "?" in redirect_uri else "?"
        location = f"{redirect_uri}{separator}{query}" if query else redirect_uri
        response = RedirectResponse(location, status_code=303, headers=redirect_headers())
    else:
        response = page(container.pages.logged_out(tenant_name=tenant.display_name))
    clear_session_cookie(response, request, tenant)
    return response


@router.get("/t/{tenant}/v2/logout", include_in_schema=False)
async def auth0_logout(request: Request, tenant: TenantDep) -> Response:
    """Auth0's logout: ``returnTo`` must be one of the client's Allowed Logout URLs.

    Auth0 ends the session on this GET; tier0 asks for confirmation first (IV-04: GET
    never changes state), then continues as RP-initiated logout.
    """
    raw: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        raw.setdefault(name, []).append(value)
    try:
        client_id = _one(raw, "client_id")
        return_to = _one(raw, "returnTo")
    except OAuthError as exc:
        return error_page(request, tenant, exc)
    return await _confirmation(request, tenant, client_id, return_to, None)
