"""The universal-login flow: /authorize, the sign-in and consent POSTs that resume it.

:class:`LoginFlow` ties the protocol core (:mod:`tier0.protocol.endpoints.authorize`)
to users, sessions, consent and codes, and returns what to show: an error page, the
sign-in page, the consent page or an authorization response. It renders nothing and
knows no HTTP framework.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from tier0.clock import Clock
from tier0.domain import Application, Tenant
from tier0.domain.grants import Session
from tier0.errors import NotFound, Unavailable
from tier0.login.codes import CodeIssuer
from tier0.login.consent import ConsentService
from tier0.login.directory import LoginDirectory, client_policy
from tier0.login.factors import Answer, FactorSteps
from tier0.login.guard import Attempt, SignInGuard
from tier0.login.interactions import InteractionError, InteractionSealer
from tier0.login.results import (
    TOO_MANY,
    WRONG_CODE,
    ConsentPage,
    Deliver,
    ErrorPage,
    FlowResult,
    RecoveryCodesPage,
    Refused,
    SecondFactorPage,
    SignInPage,
)
from tier0.login.second_factor import PasswordVerified, PendingSealer, amr_after, wants_mfa
from tier0.login.sessions import StartedSession
from tier0.login.signin import Authenticator
from tier0.mfa.errors import InvalidCode
from tier0.mfa.policy import MfaPolicy, mfa_options
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
from tier0.protocol.errors import AccessDenied, InteractionRequired, InvalidRequest, OAuthError
from tier0.protocol.params import RawParams
from tier0.protocol.requests import parse_authorization_target
from tier0.protocol.responses import (
    AuthorizationResponse,
    authorization_error,
    authorization_success,
)

__all__ = ["LoginFlow"]

_JUST_ENROLLED = timedelta(minutes=10)
_EXPIRED = "This sign-in request has expired or is not valid. Return to the application."


class LoginFlow:
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
    ) -> FlowResult:
        """With a signed-in user: a code, the consent page, or the sign-in page again."""
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
            return Deliver(await self._success(tenant, authorization, session), new_session)
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

    def _mfa_due(
        self, tenant: Tenant, authorization: ValidatedAuthorization, session: Session
    ) -> bool:
        """Step-up (MF-04): the request asks for multi-factor assurance (``acr_values``, or
        an application or tenant that requires MFA) and the live session has none."""
        if self._mfa is None or "mfa" in session.amr:
            return False
        policy = mfa_options(tenant).policy_for(authorization.client_id)
        return wants_mfa(authorization) or policy is MfaPolicy.REQUIRED

    async def _step_up(
        self,
        tenant: Tenant,
        authorization: ValidatedAuthorization,
        session: Session,
        client_name: str,
        binding: str,
    ) -> FlowResult:
        """The second factor inside a live session; nothing is issued before it (MF-04)."""
        if Prompt.NONE in authorization.prompt:
            raise InteractionRequired("A second factor is required.")
        if self._mfa is None:  # unreachable: _mfa_due needs it
            raise RuntimeError("step-up needs an MfaService")
        user = await self._directory.active_user(tenant, session.user_id)
        if user is None:
            raise AccessDenied("The user cannot sign in.")
        verified = PasswordVerified(
            session.user_id,
            session.auth_time or self._clock.now(),
            enroll=not await self._mfa.enrolled(tenant, session.user_id),
            account=user.email,
            first=session.amr or ("pwd",),
        )
        record = await self._sealer.seal(tenant.id, binding, authorization)
        return await self.ask_second_factor(
            tenant, binding, verified, client_name, record, authorization.redirect_uri
        )

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

    async def resume(
        self, tenant: Tenant, *, record: str | None, binding: str | None
    ) -> tuple[ValidatedAuthorization, Application] | ErrorPage:
        """The pending request of an interaction form, re-checked against its client."""
        try:
            authorization = await self._sealer.open(tenant.id, binding, record)
        except InteractionError:
            return ErrorPage(InvalidRequest(_EXPIRED))
        app = await self._directory.find_client(tenant, authorization.client_id)
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
        started = await self._authenticator.authenticate(
            attempt, password, session_cookie, require_mfa=wants_mfa(authorization)
        )
        if isinstance(started, Refused):
            return SignInPage(
                app.name,
                record,
                authorization.redirect_uri,
                email=email,
                error=started.message,
                status=started.status,
            )
        if isinstance(started, PasswordVerified):
            return await self.ask_second_factor(
                tenant, binding, started, app.name, record, authorization.redirect_uri
            )
        return await self._continue(
            tenant,
            authorization,
            started.session,
            app.name,
            binding,
            fresh=True,
            new_session=started,
        )

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
            return ErrorPage(InvalidRequest(_EXPIRED))
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

    @property
    def factors(self) -> FactorSteps | None:
        return self._factors

    async def find_client(self, tenant: Tenant, client_id: str) -> Application | None:
        return await self._directory.find_client(tenant, client_id)

    async def ask_second_factor(
        self,
        tenant: Tenant,
        binding: str,
        verified: PasswordVerified,
        client_name: str,
        record: str | None,
        redirect_uri: str | None,
        *,
        pending: str | None = None,
        refused: Refused | None = None,
        factor_id: str | None = None,
        email_sent: bool = False,
    ) -> SecondFactorPage:
        """The second-factor page, carrying the sealed proof of the first step (MF-04)."""
        if self._pending is None or self._mfa is None or self._factors is None:
            raise RuntimeError("second factors need an MfaService, FactorSteps and a sealer")
        if pending is None:
            pending = await self._pending.seal(tenant.id, binding, verified)
            await self._mfa.required(tenant, verified.user_id, ip=None)
        page = SecondFactorPage(
            client_name, pending, redirect_uri, record,
            error=refused.message if refused else None, status=refused.status if refused else 200,
            factor_id=factor_id, email_sent=email_sent,
        )  # fmt: skip
        if not verified.enroll:
            offer = await self._factors.offer(tenant, verified.user_id, binding)
            return replace(page, passkey=offer.passkey, email_otp=offer.email_otp)
        if factor_id:  # a wrong first code: the seed is not shown again
            return page
        enrollment = await self._mfa.enroll_totp(
            tenant, verified.user_id, account=verified.account or verified.user_id
        )
        return replace(page, enrollment=enrollment, factor_id=enrollment.factor_id)

    async def _resume_optional(
        self, tenant: Tenant, record: str | None, binding: str
    ) -> tuple[ValidatedAuthorization, Application] | ErrorPage | None:
        if record is None:
            return None
        return await self.resume(tenant, record=record, binding=binding)

    async def second_factor(
        self,
        tenant: Tenant,
        *,
        record: str | None,
        pending: str | None,
        binding: str,
        answer: Answer,
        session_cookie: str | None,
        ip: str | None,
        factor_id: str | None = None,
        send_email: bool = False,
    ) -> FlowResult | StartedSession:
        """POST of the second factor: a session with a truthful `amr`, then the pending
        authorization (or, with no application waiting, the session alone)."""
        if self._mfa is None or self._pending is None or self._factors is None:
            raise RuntimeError("second factors need an MfaService, FactorSteps and a sealer")
        resumed = await self._resume_optional(tenant, record, binding)
        if isinstance(resumed, ErrorPage):
            return resumed
        try:
            verified = await self._pending.open(tenant.id, binding, pending)
        except InteractionError:
            return ErrorPage(InvalidRequest(_EXPIRED))
        client_name = resumed[1].name if resumed else tenant.display_name
        redirect_uri = resumed[0].redirect_uri if resumed else None
        if send_email and not verified.enroll:
            user = await self._directory.active_user(tenant, verified.user_id)
            sent = user is not None and await self._factors.send_email_code(
                tenant, verified.user_id, user.email
            )
            return await self.ask_second_factor(
                tenant, binding, verified, client_name, record, redirect_uri,
                pending=pending, email_sent=sent,
            )  # fmt: skip
        codes: list[str] = []
        try:
            if verified.enroll:
                # MFA is required and the user has none: the first code confirms the new factor.
                if not factor_id:
                    return ErrorPage(InvalidRequest(_EXPIRED))
                codes = await self._mfa.confirm_totp(
                    tenant, verified.user_id, factor_id, answer.code, ip=ip or ""
                )
                method = "otp"
            else:
                method = await self._factors.check(
                    tenant, verified.user_id, binding, answer, ip=ip or ""
                )
        except NotFound:
            return ErrorPage(InvalidRequest(_EXPIRED))
        except (InvalidCode, Unavailable) as exc:
            return await self.ask_second_factor(
                tenant, binding, verified, client_name, record, redirect_uri, pending=pending,
                refused=TOO_MANY if isinstance(exc, Unavailable) else WRONG_CODE,
                factor_id=factor_id if verified.enroll else None,
                email_sent=answer.via == "email",
            )  # fmt: skip
        started = await self._authenticator.finish(
            tenant, verified.user_id, session_cookie, amr=amr_after(method, verified.first)
        )
        if codes:
            # Shown once, before the authorization continues (a code could expire meanwhile).
            return RecoveryCodesPage(client_name, tuple(codes), started, record, redirect_uri)
        if resumed is None:
            return started
        authorization, app = resumed
        return await self._continue(
            tenant, authorization, started.session, app.name, binding, fresh=True,
            new_session=started,
        )  # fmt: skip

    async def passkey_sign_in(
        self,
        tenant: Tenant,
        *,
        record: str | None,
        binding: str,
        state: str,
        credential: str,
        session_cookie: str | None,
        ip: str | None,
    ) -> FlowResult | StartedSession | None:
        """Passwordless (a tenant setting): a user-verified passkey is both factors, so the
        session's `amr` is the key's kind plus ``mfa``. None: the passkey was refused."""
        if self._factors is None:
            raise RuntimeError("passkeys need FactorSteps")
        resumed = await self._resume_optional(tenant, record, binding)
        if isinstance(resumed, ErrorPage):
            return resumed
        try:
            user_id, method = await self._factors.passkey_sign_in(
                tenant, binding, state=state, credential=credential, ip=ip or ""
            )
        except InvalidCode:
            return None
        if await self._directory.active_user(tenant, user_id) is None:
            return None
        started = await self._authenticator.finish(
            tenant, user_id, session_cookie, amr=(method, "mfa")
        )
        if resumed is None:
            return started
        authorization, app = resumed
        return await self._continue(
            tenant, authorization, started.session, app.name, binding, fresh=True,
            new_session=started,
        )  # fmt: skip

    async def after_enrollment(
        self, tenant: Tenant, *, record: str, binding: str, session_cookie: str | None
    ) -> FlowResult:
        """The "continue" after the recovery codes: the pending authorization resumes with
        the session the enrollment started (counted as this request's sign-in only while
        it is fresh, so an old form cannot satisfy ``prompt=login``)."""
        resumed = await self.resume(tenant, record=record, binding=binding)
        if isinstance(resumed, ErrorPage):
            return resumed
        authorization, app = resumed
        session = await self._directory.usable_session(tenant, session_cookie)
        if session is None:
            return ErrorPage(InvalidRequest(_EXPIRED))
        fresh = session.auth_time is not None and (
            self._clock.now() - session.auth_time <= _JUST_ENROLLED
        )
        return await self._continue(tenant, authorization, session, app.name, binding, fresh=fresh)

    async def authenticate(
        self, attempt: Attempt, password: str, session_cookie: str | None
    ) -> StartedSession | PasswordVerified | Refused:
        """A sign-in with no application waiting (see :class:`Authenticator`)."""
        return await self._authenticator.authenticate(attempt, password, session_cookie)
