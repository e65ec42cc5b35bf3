"""The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2), framework-free.

Three steps, each a pure function the web layer calls in order:

1. :func:`resolve_target` decides where errors may go. RFC 6749 §4.1.2.1: "If the
   request fails due to a missing, invalid, or mismatching redirection URI, or if the
   client identifier is missing or invalid, the authorization server SHOULD inform the
   resource owner of the error and MUST NOT automatically redirect the user-agent to
   the invalid redirection URI." Its errors are non-redirectable: an error page (OA-02).
2. :func:`validate_request` runs :data:`AUTHORIZE_CHECKS`, an ordered table of small
   checks, and returns a :class:`ValidatedAuthorization`. Its errors are redirectable and
   travel to the validated redirect URI with ``state`` and ``iss`` (OA-10).
3. :func:`decide` says whether the end-user must sign in (:class:`LoginInteraction`) or a
   code can be issued at once (:class:`IssueCode`). The protocol core never renders a
   page: ``login/`` performs the interaction and resumes the request (DESIGN.md §1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from tier0.protocol.checks.grant_types import GrantType
from tier0.protocol.checks.pkce import check_code_challenge
from tier0.protocol.checks.prompt import Prompt, check_prompt_none, needs_login
from tier0.protocol.checks.redirect_uri import match_redirect_uri
from tier0.protocol.checks.resource import select_audience
from tier0.protocol.checks.response import ResponseMode, check_response_type
from tier0.protocol.checks.scope import OFFLINE_ACCESS, OIDC_SCOPES, grant_scopes
from tier0.protocol.errors import InvalidRequest, UnauthorizedClient, UnknownClient
from tier0.protocol.params import RawParams
from tier0.protocol.requests import (
    AuthorizationRequest,
    parse_authorization_request,
    parse_authorization_target,
)

__all__ = [
    "AUTHORIZE_CHECKS",
    "ApiPolicy",
    "AuthorizeOutcome",
    "ClientPolicy",
    "ConsentInteraction",
    "IssueCode",
    "LoginInteraction",
    "ValidatedAuthorization",
    "ValidatedTarget",
    "decide",
    "resolve_target",
    "validate_request",
]


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    """What /authorize needs to know of a registered client."""

    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    first_party: bool = True


@dataclass(frozen=True, slots=True)
class ApiPolicy:
    """What /authorize needs to know of an API (a resource server)."""

    identifier: str
    scopes: tuple[str, ...]
    allow_offline_access: bool = False


@dataclass(frozen=True, slots=True)
class ValidatedTarget:
    """A known client and one of its registered redirect URIs: errors may now redirect."""

    client: ClientPolicy
    redirect_uri: str
    state: str | None
    response_mode: ResponseMode


@dataclass(frozen=True, slots=True)
class ValidatedAuthorization:
    """Everything a code will be bound to, after every check passed."""

    client_id: str
    redirect_uri: str
    response_mode: ResponseMode
    state: str | None
    nonce: str | None
    scope: tuple[str, ...]
    audience: str | None
    code_challenge: str
    code_challenge_method: str
    prompt: frozenset[Prompt] = frozenset()
    max_age: int | None = None
    login_hint: str | None = None
    dpop_jkt: str | None = None
    first_party: bool = True
    #: OIDC Core §3.1.2.1 ``acr_values``, "in order of preference" (a voluntary request).
    acr_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LoginInteraction:
    """The end-user must (re-)authenticate; ``login/`` shows the sign-in page."""

    authorization: ValidatedAuthorization


@dataclass(frozen=True, slots=True)
class ConsentInteraction:
    """The end-user must approve this third-party client's access; ``login/`` asks."""

    authorization: ValidatedAuthorization


@dataclass(frozen=True, slots=True)
class IssueCode:
    """A live session satisfies the request: issue a code now (SSO)."""

    authorization: ValidatedAuthorization


AuthorizeOutcome = LoginInteraction | ConsentInteraction | IssueCode


def resolve_target(raw: RawParams, client: ClientPolicy | None) -> ValidatedTarget:
    """Check the client and the redirect URI; every error here is non-redirectable.

    ``client`` is the registered client named by ``client_id`` (``None``: unknown). The
    redirect URI is always required and matched exactly (OA-01): OIDC Core §3.1.2.1
    makes it REQUIRED for OpenID requests, and requiring it for every request lets
    the token endpoint always insist on the identical value (RFC 6749 §4.1.3).
    """
    target = parse_authorization_target(raw)
    if client is None or client.client_id != target.client_id:
        raise UnknownClient(debug=f"client_id of {len(target.client_id)} characters")
    redirect_uri = match_redirect_uri(target.redirect_uri, client.redirect_uris, required=True)
    mode = target.response_mode or ResponseMode.QUERY
    return ValidatedTarget(client, redirect_uri, target.state, mode)


@dataclass(frozen=True, slots=True)
class _Context:
    target: ValidatedTarget
    apis: Mapping[str, ApiPolicy]
    default_audience: str | None


_Check = Callable[[AuthorizationRequest, _Context], None]


def _response_type(request: AuthorizationRequest, _ctx: _Context) -> None:
    # OA-11: the code flow only (RFC 9700 §2.1.2).
    check_response_type(request.response_type)


def _client_may_use_code(_request: AuthorizationRequest, ctx: _Context) -> None:
    # RFC 6749 §4.1.2.1 unauthorized_client: "The client is not authorized to request an
    # authorization code using this method."
    if GrantType.AUTHORIZATION_CODE.value not in ctx.target.client.grant_types:
        raise UnauthorizedClient("This client may not use the authorization code flow.")


def _pkce(request: AuthorizationRequest, _ctx: _Context) -> None:
    # OA-03: PKCE with S256 for every client, public or confidential.
    check_code_challenge(request.code_challenge, request.code_challenge_method)


def _audience(request: AuthorizationRequest, ctx: _Context) -> None:
    select_audience(request.audience, request.resource, ctx.apis.keys(), ctx.default_audience)


#: The checks of /authorize after the target is known, in the order they run.
AUTHORIZE_CHECKS: tuple[tuple[str, _Check], ...] = (
    ("response_type", _response_type),
    ("client_grant", _client_may_use_code),
    ("pkce", _pkce),
    ("audience", _audience),
)


def _allowed_scopes(client: ClientPolicy, api: ApiPolicy | None) -> frozenset[str]:
    """OIDC scopes, plus the API's own; ``offline_access`` only where a refresh may follow."""
    allowed = set(OIDC_SCOPES)
    offline_ok = GrantType.REFRESH_TOKEN.value in client.grant_types and (
        api is None or api.allow_offline_access
    )
    if not offline_ok:
        allowed.discard(OFFLINE_ACCESS)
    if api is not None:
        allowed.update(api.scopes)
    return frozenset(allowed)


def validate_request(
    raw: RawParams,
    target: ValidatedTarget,
    apis: Mapping[str, ApiPolicy],
    default_audience: str | None = None,
) -> ValidatedAuthorization:
    """Run :data:`AUTHORIZE_CHECKS`; every error raised here is redirectable.

    The granted scope is the requested scope intersected with what is allowed (RFC 6749
    §3.3: the server "MAY fully or partially ignore the scope requested by the client"),
    request order kept.
    """
    request = parse_authorization_request(raw)
    ctx = _Context(target, apis, default_audience)
    for _name, check in AUTHORIZE_CHECKS:
        check(request, ctx)
    audience = select_audience(request.audience, request.resource, apis.keys(), default_audience)
    api = apis.get(audience) if audience is not None else None
    challenge, method = request.code_challenge, request.code_challenge_method
    if challenge is None or method is None:  # unreachable: the pkce check refused it
        raise InvalidRequest("PKCE is required.")
    return ValidatedAuthorization(
        client_id=target.client.client_id,
        redirect_uri=target.redirect_uri,
        response_mode=request.response_mode or ResponseMode.QUERY,
        state=request.state,
        nonce=request.nonce,
        scope=grant_scopes(request.scope, _allowed_scopes(target.client, api)),
        audience=audience,
        code_challenge=challenge,
        code_challenge_method=method,
        prompt=request.prompt,
        max_age=request.max_age,
        login_hint=request.login_hint,
        dpop_jkt=request.dpop_jkt,
        first_party=target.client.first_party,
        acr_values=request.acr_values,
    )


def decide(
    authorization: ValidatedAuthorization,
    *,
    session_auth_time: datetime | None,
    now: datetime,
    authenticated_in_this_request: bool = False,
    consent_given: bool = False,
    consented_in_this_request: bool = False,
) -> AuthorizeOutcome:
    """Sign-in needed, consent needed, or a code now.

    ``prompt=none`` raises :class:`~tier0.protocol.errors.LoginRequired` without a usable
    session and :class:`~tier0.protocol.errors.ConsentRequired` without consent (OIDC
    Core §3.1.2.6). ``select_account`` is honoured by showing the sign-in page: tier0 has
    no account chooser, and signing in again is how another account is selected.

    Consent (OA-11) is asked of third-party clients only: first-party applications are
    the tenant's own (Auth0 skips consent for them too). ``consent_given`` says whether
    the user already approved these scopes for this client; ``prompt=consent`` asks
    again.
    """
    login = needs_login(
        session_auth_time,
        now,
        authorization.prompt,
        authorization.max_age,
        authenticated_in_this_request=authenticated_in_this_request,
    )
    if Prompt.SELECT_ACCOUNT in authorization.prompt and not authenticated_in_this_request:
        login = True
    consent = not authorization.first_party and not consented_in_this_request
    if consent and consent_given and Prompt.CONSENT not in authorization.prompt:
        consent = False
    check_prompt_none(authorization.prompt, login_needed=login, consent_needed=consent)
    if login:
        return LoginInteraction(authorization)
    if consent:
        return ConsentInteraction(authorization)
    return IssueCode(authorization)
