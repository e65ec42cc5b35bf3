"""The universal-login flow: /authorize, the sign-in and consent POSTs that resume it.

:class:`LoginFlow` ties the protocol core (:mod:`tier0.protocol.endpoints.authorize`)
to users, sessions, consent and codes, and returns what to show: an error page, the
sign-in page, the consent page or an authorization response. It renders nothing and
knows no HTTP framework. The second factors and step-up live in
:class:`~tier0.login.flow_factors.SecondFactorFlow`, its base class.
"""

from __future__ import annotations

from collections.abc import Callable

from tier0.clock import Clock
from tier0.domain import Application, Tenant
from tier0.domain.grants import Session
from tier0.login.codes import CodeIssuer
from tier0.login.consent import ConsentService
from tier0.login.directory import LoginDirectory, client_policy
from tier0.login.factors import FactorSteps
from tier0.login.flow_factors import EXPIRED, SecondFactorFlow
from tier0.login.guard import Attempt, SignInGuard
from tier0.login.interactions import InteractionError, InteractionSealer
from tier0.login.results import (
    ConsentPage,
    Deliver,
    ErrorPage,
    FlowResult,
    Refused,
    SignInPage,
)
from tier0.login.second_factor import PasswordVerified, PendingSealer, wants_mfa
from tier0.login.sessions import StartedSession
from tier0.login.signin import Authenticator
from tier0.mfa.service import MfaService
from tier0.protocol.checks.prompt import Prompt
from tier0.protocol.checks.redirect_uri import match_redirect_uri
from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.endpoints.authorize import (
    ConsentInteraction,
    IssueCode,
    LoginInteraction,
    ValidatedAuthorization,
    ValidatedTarget,
    decide,
    resolve_target,
    validate_request,
)
from tier0.protocol.errors import AccessDenied, InvalidRequest, OAuthError
from tier0.protocol.params import RawParams
from tier0.protocol.requests import parse_authorization_target
from tier0.protocol.responses import (
    AuthorizationResponse,
    authorization_error,
    authorization_success,
)
from tier0.storage.write_ports import SignInWrite

__all__ = ["LoginFlow"]


class LoginFlow(SecondFactorFlow):
    """Runs /authorize and the interactions (sign-in, consent) that resume it."""

    def __init__(
        self,
        *,
        issuer_of: Callable[[str], str],
        clock: Clock,
        directory: LoginDirectory,
        sealer: InteractionSealer,
        codes: CodeIssuer,
        authenticator: Authenticator,
        consents: ConsentService,
        guard: SignInGuard,
        mfa: MfaService | None = None,
        pending: PendingSealer | None = None,
        factors: FactorSteps | None = None,
    ) -> None:
        self._issuer_of = issuer_of
        self._clock = clock
        self._directory = directory
        self._sealer = sealer
        self._codes = codes
        self._authenticator = authenticator
        self._consents = consents
        self._guard = guard
        self._mfa = mfa
        self._pending = pending
        self._factors = factors

    async def authorize(
        self,
        tenant: Tenant,
        raw: RawParams,
        *,
        session_cookie: str | None,
        binding: str,
        ip: str | None = None,
    ) -> FlowResult:
        """GET /authorize: an error page, an interaction page, or a response (SSO)."""
        try:
            client_id = parse_authorization_target(raw).client_id
            app = await self._directory.find_client(tenant, client_id)
            target = resolve_target(raw, client_policy(app) if app is not None else None)
        except OAuthError as exc:
            return ErrorPage(exc)
        authorization: ValidatedAuthorization | None = None
        session: Session | None = None
        try:
            authorization = validate_request(
                raw, target, await self._directory.api_policies(tenant)
            )
            session = await self._directory.usable_session(tenant, session_cookie)
            if session is None:
                # Raises login_required for prompt=none (OIDC Core §3.1.2.6).
                decide(authorization, session_auth_time=None, now=self._clock.now())
                record = await self._sealer.seal(tenant.id, binding, authorization)
                return SignInPage(
                    target.client.name,
                    record,
                    target.redirect_uri,
                    authorization.login_hint or "",
                )
            result = await self._continue(
                tenant, authorization, session, target.client.name, binding
            )
        except OAuthError as exc:
            if authorization is not None and Prompt.NONE in authorization.prompt:
                await self._silent(tenant, target, session, ip, ok=False)
            return self._error(tenant, target.redirect_uri, target.response_mode, target.state, exc)
        if Prompt.NONE in authorization.prompt:
            await self._silent(tenant, target, session, ip, ok=True)
        return result

    async def _silent(
        self,
        tenant: Tenant,
        target: ValidatedTarget,
        session: Session | None,
        ip: str | None,
        *,
        ok: bool,
    ) -> None:
        attempt = Attempt(tenant, "", ip, target.client.client_id)
        await self._guard.silent(attempt, session.user_id if session else None, ok=ok)

    async def _continue(
        self,
        tenant: Tenant,
        authorization: ValidatedAuthorization,
        session: Session,
        client_name: str,
        binding: str,
        *,
        fresh: bool = False,
        consented: bool = False,
        new_session: StartedSession | None = None,
        signin: SignInWrite | None = None,
    ) -> FlowResult:
        """With a signed-in user: a code, the consent page, or the sign-in page again
        (the code is staged in ``signin``, the sign-in's transaction, when given)."""
        given = not authorization.first_party and await self._consents.given(
            tenant.id, session.user_id, authorization
        )
        outcome = decide(
            authorization,
            session_auth_time=session.auth_time,
            now=self._clock.now(),
            authenticated_in_this_request=fresh,
            consent_given=given,
            consented_in_this_request=consented,
        )
        if not isinstance(outcome, LoginInteraction) and self._mfa_due(
            tenant, authorization, session
        ):
            return await self._step_up(tenant, authorization, session, client_name, binding)
        if isinstance(outcome, IssueCode):
            return Deliver(await self._success(tenant, authorization, session, signin), new_session)
        record = await self._sealer.seal(tenant.id, binding, authorization)
        if isinstance(outcome, ConsentInteraction):
            return ConsentPage(
                client_name,
                record,
                authorization.redirect_uri,
                authorization.scope,
                authorization.audience,
                new_session,
            )
        return SignInPage(client_name, record, authorization.redirect_uri)

    def _error(
        self,
        tenant: Tenant,
        redirect_uri: str,
        mode: ResponseMode,
        state: str | None,
        exc: OAuthError,
    ) -> FlowResult:
        """A redirectable error goes back to the client with ``iss`` (OA-10)."""
        if not exc.redirectable:
            return ErrorPage(exc)
        response = authorization_error(
            exc,
            redirect_uri=redirect_uri,
            mode=mode,
            issuer=self._issuer_of(tenant.name),
            state=state,
        )
        return Deliver(response)

    async def _success(
        self,
        tenant: Tenant,
        authorization: ValidatedAuthorization,
        session: Session,
        signin: SignInWrite | None = None,
    ) -> AuthorizationResponse:
        if signin is not None:
            code = await self._codes.stage(tenant, authorization, session, signin)
        else:
            code = await self._codes.issue(tenant, authorization, session)
        return authorization_success(
            redirect_uri=authorization.redirect_uri,
            mode=authorization.response_mode,
            issuer=self._issuer_of(tenant.name),
            code=code,
            state=authorization.state,
        )

    async def resume(
        self, tenant: Tenant, *, record: str | None, binding: str | None
    ) -> tuple[ValidatedAuthorization, Application] | ErrorPage:
        """The pending request of an interaction form, re-checked against its client."""
        try:
            authorization = await self._sealer.open(tenant.id, binding, record)
        except InteractionError:
            return ErrorPage(InvalidRequest(EXPIRED))
        app = await self._directory.find_client(tenant, authorization.client_id)
        try:
            if app is None:
                raise InvalidRequest(EXPIRED)
            # The client may have changed since: its redirect URI must still be registered.
            match_redirect_uri(authorization.redirect_uri, app.callbacks, required=True)
        except OAuthError as exc:
            return ErrorPage(exc)
        return authorization, app

    async def sign_in(
        self,
        tenant: Tenant,
        *,
        record: str,
        binding: str,
        email: str,
        password: str,
        session_cookie: str | None,
        ip: str | None,
    ) -> FlowResult:
        """POST /login: check the password, start a new session, go on (code or consent)."""
        resumed = await self.resume(tenant, record=record, binding=binding)
        if isinstance(resumed, ErrorPage):
            return resumed
        authorization, app = resumed
        attempt = Attempt(tenant, email, ip, app.client_id)

        async def proceed(signin: SignInWrite, started: StartedSession) -> FlowResult:
            # In the sign-in's transaction: the code commits with the session (or neither).
            return await self._continue(
                tenant,
                authorization,
                started.session,
                app.name,
                binding,
                fresh=True,
                new_session=started,
                signin=signin,
            )

        started = await self._authenticator.sign_in(
            attempt, password, session_cookie, then=proceed, require_mfa=wants_mfa(authorization)
        )
        if isinstance(started, Refused):
            return SignInPage(
                app.name,
                record,
                authorization.redirect_uri,
                email=email,
                error=started.message,
                status=started.status,
                retry_after=started.retry_after,
            )
        if isinstance(started, PasswordVerified):
            return await self.ask_second_factor(
                tenant, binding, started, app.name, record, authorization.redirect_uri
            )
        return started

    async def consent(
        self,
        tenant: Tenant,
        *,
        record: str,
        binding: str,
        session_cookie: str | None,
        allow: bool,
    ) -> FlowResult:
        """POST /consent: the signed-in user allows (a code) or denies (``access_denied``)."""
        resumed = await self.resume(tenant, record=record, binding=binding)
        if isinstance(resumed, ErrorPage):
            return resumed
        authorization, app = resumed
        session = await self._directory.usable_session(tenant, session_cookie)
        if session is None:
            return ErrorPage(InvalidRequest(EXPIRED))
        if not allow:
            denied = AccessDenied("The user did not allow access.")
            return self._error(
                tenant,
                authorization.redirect_uri,
                authorization.response_mode,
                authorization.state,
                denied,
            )
        # The consent page was shown after any sign-in the request needed.
        return await self._continue(
            tenant, authorization, session, app.name, binding, fresh=True, consented=True
        )

    async def find_client(self, tenant: Tenant, client_id: str) -> Application | None:
        return await self._directory.find_client(tenant, client_id)

    async def authenticate(
        self, attempt: Attempt, password: str, session_cookie: str | None
    ) -> StartedSession | PasswordVerified | Refused:
        """A sign-in with no application waiting (see :class:`Authenticator`)."""
        return await self._authenticator.authenticate(attempt, password, session_cookie)
