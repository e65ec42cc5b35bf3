"""The universal-login flow: /authorize, the sign-in POST and its resumption.

:class:`LoginFlow` ties the protocol core (:mod:`tier0.protocol.endpoints.authorize`)
to users, sessions and codes, and returns what to show: an error page, the sign-in page
or an authorization response. It renders nothing and knows no HTTP framework.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from tier0.clock import Clock
from tier0.domain import Application, Tenant
from tier0.domain.grants import Session
from tier0.errors import NotFound
from tier0.login.codes import CodeIssuer
from tier0.login.guard import Attempt, SignInGuard
from tier0.login.interactions import (
    SUBKEY_PURPOSE,
    InteractionError,
    open_interaction,
    seal_interaction,
)
from tier0.login.sessions import SessionService, StartedSession
from tier0.protocol.checks.redirect_uri import match_redirect_uri
from tier0.protocol.endpoints.authorize import (
    ApiPolicy,
    ClientPolicy,
    IssueCode,
    ValidatedAuthorization,
    ValidatedTarget,
    decide,
    resolve_target,
    validate_request,
)
from tier0.protocol.errors import InvalidRequest, OAuthError, ServerError
from tier0.protocol.params import RawParams
from tier0.protocol.requests import parse_authorization_target
from tier0.protocol.responses import (
    AuthorizationResponse,
    authorization_error,
    authorization_success,
)
from tier0.services.applications import ApplicationService
from tier0.services.keyring import TenantKeyring
from tier0.services.resource_servers import ResourceServerService
from tier0.services.users import InvalidCredentials, UserService

__all__ = [
    "INTERACTION_LIFETIME",
    "WRONG_CREDENTIALS",
    "Deliver",
    "ErrorPage",
    "FlowResult",
    "LoginFlow",
    "Refused",
    "SignInPage",
]

INTERACTION_LIFETIME = timedelta(minutes=10)
#: BF-03: one text for an unknown email, a wrong password and a blocked account.
WRONG_CREDENTIALS = "Wrong email or password."
_EXPIRED = "This sign-in request has expired or is not valid. Return to the application."


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """Show an error page; never redirect (bad client or redirect URI: OA-02)."""

    error: OAuthError


@dataclass(frozen=True, slots=True)
class SignInPage:
    """Show the sign-in form for a pending authorization."""

    client_name: str
    interaction: str = field(repr=False)
    redirect_uri: str
    email: str = ""
    error: str | None = None
    status: int = 200


@dataclass(frozen=True, slots=True)
class Deliver:
    """Send an authorization response (303 or form_post); maybe set a new session."""

    response: AuthorizationResponse
    new_session: StartedSession | None = None


FlowResult = ErrorPage | SignInPage | Deliver


@dataclass(frozen=True, slots=True)
class Refused:
    """A sign-in that did not succeed: the text to show and the status to answer with."""

    message: str
    status: int = 400


#: BF-03: one answer for an unknown email, a wrong password and a blocked account.
WRONG = Refused(WRONG_CREDENTIALS, 400)
#: BF-01/02: refused before any password check (Auth0 ``too_many_attempts``, 429).
TOO_MANY = Refused("Too many attempts. Please wait a while and try again.", 429)


def client_policy(app: Application) -> ClientPolicy:
    return ClientPolicy(
        client_id=app.client_id,
        name=app.name,
        redirect_uris=app.callbacks,
        grant_types=app.grant_types,
        first_party=app.is_first_party,
    )


class LoginFlow:
    """Runs /authorize and the sign-in that resumes it."""

    def __init__(
        self,
        *,
        issuer_of: Callable[[str], str],
        clock: Clock,
        keyring: TenantKeyring,
        applications: ApplicationService,
        apis: ResourceServerService,
        users: UserService,
        sessions: SessionService,
        codes: CodeIssuer,
        guard: SignInGuard,
    ) -> None:
        self._issuer_of = issuer_of
        self._clock = clock
        self._keyring = keyring
        self._applications = applications
        self._apis = apis
        self._users = users
        self._sessions = sessions
        self._codes = codes
        self._guard = guard

    async def find_client(self, tenant: Tenant, client_id: str) -> Application | None:
        try:
            return await self._applications.get(tenant, client_id)
        except NotFound:
            return None

    async def _api_policies(self, tenant: Tenant) -> dict[str, ApiPolicy]:
        # System APIs (the management API) are not offered to end-user sign-ins.
        return {
            api.identifier: ApiPolicy(api.identifier, api.scope_values, api.allow_offline_access)
            for api in await self._apis.list(tenant)
            if not api.is_system
        }

    async def _target(self, tenant: Tenant, raw: RawParams) -> ValidatedTarget:
        client_id = parse_authorization_target(raw).client_id
        app = await self.find_client(tenant, client_id)
        return resolve_target(raw, client_policy(app) if app is not None else None)

    async def authorize(
        self, tenant: Tenant, raw: RawParams, *, session_cookie: str | None, binding: str
    ) -> FlowResult:
        """GET /authorize: an error page, the sign-in page, or a response (SSO)."""
        try:
            target = await self._target(tenant, raw)
        except OAuthError as exc:
            return ErrorPage(exc)
        try:
            authorization = validate_request(raw, target, await self._api_policies(tenant))
            session = await self._sessions.current(tenant, session_cookie)
            outcome = decide(
                authorization,
                session_auth_time=session.auth_time if session is not None else None,
                now=self._clock.now(),
            )
            if isinstance(outcome, IssueCode) and session is not None:
                return Deliver(await self._success(tenant, authorization, session))
        except OAuthError as exc:
            return self._error(tenant, target, exc)
        record = await self._seal(tenant, binding, authorization)
        return SignInPage(
            target.client.name, record, target.redirect_uri, authorization.login_hint or ""
        )

    def _error(self, tenant: Tenant, target: ValidatedTarget, exc: OAuthError) -> FlowResult:
        if not exc.redirectable:
            return ErrorPage(exc)
        response = authorization_error(
            exc,
            redirect_uri=target.redirect_uri,
            mode=target.response_mode,
            issuer=self._issuer_of(tenant.name),
            state=target.state,
        )
        return Deliver(response)

    async def _success(
        self, tenant: Tenant, authorization: ValidatedAuthorization, session: Session
    ) -> AuthorizationResponse:
        code = await self._codes.issue(tenant, authorization, session)
        return authorization_success(
            redirect_uri=authorization.redirect_uri,
            mode=authorization.response_mode,
            issuer=self._issuer_of(tenant.name),
            code=code,
            state=authorization.state,
        )

    async def _seal(
        self, tenant: Tenant, binding: str, authorization: ValidatedAuthorization
    ) -> str:
        key = await self._keyring.subkey(tenant.id, SUBKEY_PURPOSE)
        return seal_interaction(
            key,
            tenant_id=tenant.id,
            binding=binding,
            authorization=authorization,
            expires_at=self._clock.now() + INTERACTION_LIFETIME,
        )

    async def resume(
        self, tenant: Tenant, *, record: str | None, binding: str | None
    ) -> tuple[ValidatedAuthorization, Application] | ErrorPage:
        """The pending request of a sign-in form, re-checked against its client."""
        key = await self._keyring.subkey(tenant.id, SUBKEY_PURPOSE)
        try:
            authorization = open_interaction(
                key, tenant_id=tenant.id, binding=binding, record=record, now=self._clock.now()
            )
        except InteractionError:
            return ErrorPage(InvalidRequest(_EXPIRED))
        app = await self.find_client(tenant, authorization.client_id)
        try:
            if app is None:
                raise InvalidRequest(_EXPIRED)
            # The client may have changed since: its redirect URI must still be registered.
            match_redirect_uri(authorization.redirect_uri, app.callbacks, required=True)
        except OAuthError as exc:
            return ErrorPage(exc)
        return authorization, app

    async def sign_in(
        self,
        tenant: Tenant,
        *,
        record: str | None,
        binding: str | None,
        email: str,
        password: str,
        session_cookie: str | None,
        ip: str | None,
    ) -> FlowResult:
        """POST /login: check the password, start a new session, issue the code."""
        resumed = await self.resume(tenant, record=record, binding=binding)
        if isinstance(resumed, ErrorPage):
            return resumed
        authorization, app = resumed
        attempt = Attempt(tenant, email, ip, app.client_id)
        started = await self.authenticate(attempt, password, session_cookie)
        if isinstance(started, Refused):
            return SignInPage(
                app.name,
                record or "",
                authorization.redirect_uri,
                email=email,
                error=started.message,
                status=started.status,
            )
        outcome = decide(
            authorization,
            session_auth_time=started.session.auth_time,
            now=self._clock.now(),
            authenticated_in_this_request=True,
        )
        if not isinstance(outcome, IssueCode):  # a fresh sign-in satisfies every prompt
            raise ServerError(debug="sign-in did not satisfy the authorization")
        response = await self._success(tenant, authorization, started.session)
        return Deliver(response, started)

    async def authenticate(
        self, attempt: Attempt, password: str, session_cookie: str | None
    ) -> StartedSession | Refused:
        """Check the password; on success end the browser's old session and start anew.

        SE-02: the session id is always new at sign-in; whatever the browser presented
        before (perhaps planted by an attacker) is ended and never reused. Attempts the
        brute-force or suspicious-IP protection refuses cost no password hash.
        """
        if await self._guard.refused_for(attempt) is not None:
            return TOO_MANY
        try:
            user = await self._users.authenticate(
                attempt.tenant, attempt.identifier.strip(), password, ip=attempt.ip
            )
        except InvalidCredentials:
            # Looked up on every failure alike, so the answer's timing tells nothing.
            known = await self._users.find_by_email(attempt.tenant, attempt.identifier.strip())
            await self._guard.failed(attempt, known)
            return WRONG
        await self._guard.succeeded(attempt, user)
        await self._sessions.end(attempt.tenant, session_cookie)
        return await self._sessions.start(attempt.tenant, user.user_id, amr=("pwd",))
