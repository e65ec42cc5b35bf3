"""The second step of the universal login: second factors, step-up and passkeys (MF-04).

:class:`SecondFactorFlow` is the part of :class:`~tier0.login.flow.LoginFlow` that runs
between a proved first step (a password, or a live session that needs more assurance) and
a session: the "Verify it's you" page, the check of the factor the browser sent, the
passwordless passkey sign-in, and the "continue" after a sign-in enrollment. Nothing is
issued before the factor checks out: the first step travels sealed and browser-bound.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from tier0.clock import Clock
from tier0.domain import Application, Tenant
from tier0.domain.grants import Session
from tier0.errors import NotFound, Unavailable
from tier0.login.directory import LoginDirectory
from tier0.login.factors import Answer, FactorSteps
from tier0.login.interactions import InteractionError, InteractionSealer
from tier0.login.results import (
    TOO_MANY,
    WRONG_CODE,
    ErrorPage,
    FlowResult,
    RecoveryCodesPage,
    Refused,
    SecondFactorPage,
)
from tier0.login.second_factor import PasswordVerified, PendingSealer, amr_after, wants_mfa
from tier0.login.sessions import StartedSession
from tier0.login.signin import Authenticator
from tier0.mfa.errors import InvalidCode
from tier0.mfa.policy import MfaPolicy, mfa_options
from tier0.mfa.service import MfaService
from tier0.protocol.checks.prompt import Prompt
from tier0.protocol.endpoints.authorize import ValidatedAuthorization
from tier0.protocol.errors import AccessDenied, InteractionRequired, InvalidRequest

__all__ = ["EXPIRED", "SecondFactorFlow"]

_JUST_ENROLLED = timedelta(minutes=10)
EXPIRED = "This sign-in request has expired or is not valid. Return to the application."


class SecondFactorFlow:
    """Second factors and step-up; :class:`~tier0.login.flow.LoginFlow` supplies the
    parts declared here."""

    _clock: Clock
    _directory: LoginDirectory
    _sealer: InteractionSealer
    _authenticator: Authenticator
    _mfa: MfaService | None
    _pending: PendingSealer | None
    _factors: FactorSteps | None

    async def resume(
        self, tenant: Tenant, *, record: str | None, binding: str | None
    ) -> tuple[ValidatedAuthorization, Application] | ErrorPage:
        raise NotImplementedError

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
        raise NotImplementedError

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

    @property
    def factors(self) -> FactorSteps | None:
        return self._factors

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
            retry_after=refused.retry_after if refused else 0,
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
        count_user: Callable[[str], Awaitable[None]] | None = None,
    ) -> FlowResult | StartedSession:
        """POST of the second factor: a session with a truthful `amr`, then the pending
        authorization (or, with no application waiting, the session alone).

        ``count_user`` is called with the user id as soon as the sealed first step names
        it, before any code is checked or sent (the caller's per-user rate limit, AV-01);
        it refuses by raising."""
        if self._mfa is None or self._pending is None or self._factors is None:
            raise RuntimeError("second factors need an MfaService, FactorSteps and a sealer")
        resumed = await self._resume_optional(tenant, record, binding)
        if isinstance(resumed, ErrorPage):
            return resumed
        try:
            verified = await self._pending.open(tenant.id, binding, pending)
        except InteractionError:
            return ErrorPage(InvalidRequest(EXPIRED))
        if count_user is not None:
            await count_user(verified.user_id)
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
                    return ErrorPage(InvalidRequest(EXPIRED))
                codes = await self._mfa.confirm_totp(
                    tenant, verified.user_id, factor_id, answer.code, ip=ip or ""
                )
                method = "otp"
            else:
                method = await self._factors.check(
                    tenant, verified.user_id, binding, answer, ip=ip or ""
                )
        except NotFound:
            return ErrorPage(InvalidRequest(EXPIRED))
        except (InvalidCode, Unavailable) as exc:
            return await self.ask_second_factor(
                tenant, binding, verified, client_name, record, redirect_uri, pending=pending,
                refused=(
                    replace(TOO_MANY, retry_after=exc.retry_after)
                    if isinstance(exc, Unavailable)
                    else WRONG_CODE
                ),
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
            return ErrorPage(InvalidRequest(EXPIRED))
        fresh = session.auth_time is not None and (
            self._clock.now() - session.auth_time <= _JUST_ENROLLED
        )
        return await self._continue(tenant, authorization, session, app.name, binding, fresh=fresh)
