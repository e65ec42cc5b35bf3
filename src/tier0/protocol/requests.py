"""Strict parsing of authorization and token requests into frozen dataclasses.

Parsing checks syntax only: single values, lengths, alphabets, integers, known prompt
values, scope tokens. Policy (is ``code`` the response type, is the challenge S256, is
the redirect URI registered, may this client use this grant) lives in
``protocol/checks/`` and runs from the endpoint's ordered table.

The authorization endpoint must know where errors may be sent before it looks at
anything else (RFC 6749 §4.1.2.1), so :func:`parse_authorization_target` reads only
``client_id``, ``redirect_uri``, ``state`` and ``response_mode``. Its errors are
non-redirectable; once the client and redirect URI are validated the endpoint calls
:func:`parse_authorization_request`, whose other errors go back to the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from tier0.protocol import params
from tier0.protocol.checks.grant_types import GrantType, parse_grant_type
from tier0.protocol.checks.prompt import Prompt, parse_max_age, parse_prompt
from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.checks.scope import has_openid, parse_scope, wants_offline_access
from tier0.protocol.client_authentication import (
    BasicCredentials,
    PresentedClient,
    parse_client_authentication,
)
from tier0.protocol.errors import (
    InvalidClientId,
    InvalidRedirectUri,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    RequestNotSupported,
)
from tier0.protocol.params import RawParams

__all__ = [
    "AuthorizationRequest",
    "AuthorizationTarget",
    "TokenRequest",
    "parse_authorization_request",
    "parse_authorization_target",
    "parse_token_request",
]


@dataclass(frozen=True, slots=True)
class AuthorizationTarget:
    """Where an authorization response (or error) would go, before validation."""

    client_id: str
    redirect_uri: str | None
    state: str | None
    response_mode: ResponseMode | None


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A syntactically valid /authorize request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1)."""

    client_id: str
    redirect_uri: str | None
    response_type: str | None
    scope: tuple[str, ...] = ()
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    prompt: frozenset[Prompt] = frozenset()
    max_age: int | None = None
    login_hint: str | None = None
    response_mode: ResponseMode | None = None
    audience: str | None = None
    resource: tuple[str, ...] = ()
    acr_values: tuple[str, ...] = ()
    ui_locales: tuple[str, ...] = ()
    id_token_hint: str | None = field(default=None, repr=False)
    organization: str | None = None
    connection: str | None = None
    screen_hint: str | None = None
    request_uri: str | None = None
    dpop_jkt: str | None = None

    @property
    def is_openid(self) -> bool:
        """An OpenID Connect authentication request (``openid`` in scope)."""
        return has_openid(self.scope)

    @property
    def wants_offline_access(self) -> bool:
        return wants_offline_access(self.scope)


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """A syntactically valid /oauth/token request (RFC 6749 §4.1.3, §4.4.2, §6)."""

    grant_type: GrantType
    client: PresentedClient
    code: str | None = field(default=None, repr=False)
    redirect_uri: str | None = None
    code_verifier: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    scope: tuple[str, ...] = ()
    audience: str | None = None
    resource: tuple[str, ...] = ()
    organization: str | None = None


def _lenient(raw: RawParams, name: str) -> str | None:
    """A value for addressing an error response only: ``None`` if it is not usable."""
    try:
        return params.single(raw, name)
    except OAuthError:
        return None


def _words(value: str | None) -> tuple[str, ...]:
    return tuple(word for word in value.split(" ") if word) if value else ()


def _response_mode(value: str | None) -> ResponseMode | None:
    if value is None:
        return None
    try:
        return ResponseMode(value)
    except ValueError:
        raise InvalidRequest("Unsupported response_mode (use query or form_post).") from None


def parse_authorization_target(raw: RawParams) -> AuthorizationTarget:
    """``client_id`` and ``redirect_uri`` (errors render a page), plus state and mode.

    A repeated, oversized or malformed ``state`` or ``response_mode`` is reported as
    ``None`` here, so the later error goes back without echoing it, by query.
    """
    client_id = params.required(raw, "client_id", error=InvalidClientId)
    redirect_uri = params.single(raw, "redirect_uri", error=InvalidRedirectUri)
    try:
        mode = _response_mode(_lenient(raw, "response_mode"))
    except InvalidRequest:
        mode = None
    return AuthorizationTarget(client_id, redirect_uri, _lenient(raw, "state"), mode)


def parse_authorization_request(raw: RawParams) -> AuthorizationRequest:
    """Every /authorize parameter tier0 understands; others are ignored (RFC 6749 §3.1)."""
    target = parse_authorization_target(raw)
    if params.single(raw, "request") is not None:
        # OIDC Core §6: request objects are optional; tier0 answers as §3.1.2.6 says.
        raise RequestNotSupported()
    one = partial(params.single, raw)
    return AuthorizationRequest(
        client_id=target.client_id,
        redirect_uri=target.redirect_uri,
        response_type=one("response_type"),
        scope=parse_scope(params.single(raw, "scope", error=InvalidScope)),
        state=one("state"),
        nonce=one("nonce"),
        code_challenge=one("code_challenge"),
        code_challenge_method=one("code_challenge_method"),
        prompt=parse_prompt(one("prompt")),
        max_age=parse_max_age(one("max_age")),
        login_hint=one("login_hint"),
        response_mode=_response_mode(one("response_mode")),
        audience=one("audience"),
        resource=params.many(raw, "resource"),
        acr_values=_words(one("acr_values")),
        ui_locales=_words(one("ui_locales")),
        id_token_hint=one("id_token_hint"),
        organization=one("organization"),
        connection=one("connection"),
        screen_hint=one("screen_hint"),
        request_uri=one("request_uri"),
        dpop_jkt=one("dpop_jkt"),
    )


def parse_token_request(
    raw: RawParams, authorization: str | BasicCredentials | None = None
) -> TokenRequest:
    """A token request from the form body and the ``Authorization`` header.

    ``grant_type`` decides which fields are required: ``code`` for
    ``authorization_code`` (RFC 6749 §4.1.3), ``refresh_token`` for ``refresh_token``
    (RFC 6749 §6). A missing one is ``invalid_request``; a missing ``code_verifier`` is
    left to :func:`tier0.protocol.checks.pkce.verify_pkce` (``invalid_grant``).
    """
    grant_type = parse_grant_type(params.required(raw, "grant_type"))
    client = parse_client_authentication(raw, authorization)
    one = partial(params.single, raw)
    request = TokenRequest(
        grant_type=grant_type,
        client=client,
        code=one("code"),
        redirect_uri=one("redirect_uri"),
        code_verifier=one("code_verifier"),
        refresh_token=one("refresh_token"),
        scope=parse_scope(params.single(raw, "scope", error=InvalidScope)),
        audience=one("audience"),
        resource=params.many(raw, "resource"),
        organization=one("organization"),
    )
    if grant_type is GrantType.AUTHORIZATION_CODE and request.code is None:
        raise InvalidRequest("The code parameter is required.")
    if grant_type is GrantType.REFRESH_TOKEN and request.refresh_token is None:
        raise InvalidRequest("The refresh_token parameter is required.")
    return request
