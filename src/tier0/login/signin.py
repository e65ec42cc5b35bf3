"""The password check of the sign-in form, between attack protection and a new session.

SE-02: the session id is always new at sign-in; whatever session the browser presented
before (perhaps planted by an attacker) is ended and never reused. Attempts the
brute-force or suspicious-IP protection refuses cost no password hash (BF-01, BF-02).

After the password is verified, one transaction holds everything the sign-in writes: the
login count (and an upgraded hash), the ``user.login.succeeded`` event, the old session's
end, the new session and whatever the caller's continuation adds (the authorization code
of the pending request). They commit together or not at all: one write transaction
(:class:`~tier0.storage.write_ports.SignInWrite`) in two round trips to the storage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from tier0.audit.log import AuditLog
from tier0.domain import Tenant
from tier0.login.account_policy import verification_required
from tier0.login.guard import Attempt, SignInGuard
from tier0.login.results import TOO_MANY, UNVERIFIED, WRONG, Refused
from tier0.login.second_factor import MFA_ACR, PasswordVerified
from tier0.login.sessions import SessionService, StartedSession
from tier0.mfa.policy import MfaPolicy, mfa_options
from tier0.mfa.service import MfaService
from tier0.services.users import CheckedPassword, InvalidCredentials, UserService
from tier0.storage.write_ports import SignInWrite, SignInWrites

__all__ = ["Authenticator"]

T = TypeVar("T")
#: What to do with the new session inside the sign-in's transaction.
Then = Callable[[SignInWrite, StartedSession], Awaitable[T]]


async def _started(_signin: SignInWrite, started: StartedSession) -> StartedSession:
    return started


class Authenticator:
    """Checks a password and, on success, replaces the browser's session."""

    def __init__(
        self,
        *,
        writes: SignInWrites,
        audit: AuditLog,
        users: UserService,
        sessions: SessionService,
        guard: SignInGuard,
        mfa: MfaService | None = None,
    ) -> None:
        self._writes = writes
        self._audit = audit
        self._users = users
        self._sessions = sessions
        self._guard = guard
        self._mfa = mfa

    async def authenticate(
        self,
        attempt: Attempt,
        password: str,
        session_cookie: str | None,
        *,
        require_mfa: bool = False,
    ) -> StartedSession | PasswordVerified | Refused:
        """A new session for the account, the second factor still due, or the refusal to
        show (see :meth:`sign_in`)."""
        return await self.sign_in(
            attempt, password, session_cookie, then=_started, require_mfa=require_mfa
        )

    async def sign_in(
        self,
        attempt: Attempt,
        password: str,
        session_cookie: str | None,
        *,
        then: Then[T],
        require_mfa: bool = False,
    ) -> T | PasswordVerified | Refused:
        """``then`` applied to a new session for the account (in the sign-in's transaction),
        the second factor still due (MF-04: a password alone never makes a session for an
        enrolled user), or the refusal to show (BF-03).

        The second factor is due for an enrolled user (unless the tenant's policy is
        ``never``) and for everyone when the tenant or the application requires it, or
        the request asked for multi-factor assurance (``require_mfa``: ``acr_values``)."""
        wait = await self._guard.refused_for(attempt)
        if wait is not None:
            return replace(TOO_MANY, retry_after=wait)
        email = attempt.identifier.strip()
        try:
            checked = await self._users.check_password(attempt.tenant, email, password)
            return await self._signed_in(attempt, checked, session_cookie, then, require_mfa)
        except InvalidCredentials:
            # Looked up on every failure alike, so the answer's timing tells nothing.
            known = await self._users.find_by_email(attempt.tenant, email)
            await self._guard.failed(attempt, known)
            return WRONG

    async def _signed_in(
        self,
        attempt: Attempt,
        checked: CheckedPassword,
        session_cookie: str | None,
        then: Then[T],
        require_mfa: bool,
    ) -> T | PasswordVerified | Refused:
        tenant, user_id = attempt.tenant, checked.user.user_id
        verified = not verification_required(tenant) or checked.user.email_verified
        policy = mfa_options(tenant).policy_for(attempt.client_id)
        if require_mfa:
            policy = MfaPolicy.REQUIRED
        # Whether a second factor may be due: then enrollment is read in the transaction.
        factors = verified and self._mfa is not None and policy is not MfaPolicy.NEVER
        login = self._users.login_count(tenant, checked, ip=attempt.ip)
        event = self._guard.login_event(attempt, user_id, verified=verified)
        chain_key = await self._audit.chain_key(tenant.id)
        ending = await self._sessions.id_hash(tenant, session_cookie)
        async with self._writes.transaction() as signin:
            counted = await signin.count_login(login, event, chain_key, factors=factors)
            if counted is None:  # deleted since the check: rolled back, a failure like any
                raise InvalidCredentials()
            await self._audit.counted(event)
            if not verified:
                # The tenant's switch: no session (nor second factor) before the address
                # is proven.
                await signin.commit()
                return UNVERIFIED
            await self._guard.passed(attempt)
            if factors and (counted.enrolled or policy is MfaPolicy.REQUIRED):
                # Required but not enrolled: the enrollment is the second step (MF-04).
                await signin.commit()
                user = self._users.logged_in(checked, login, counted.logins_count)
                return PasswordVerified(
                    user_id,
                    user.last_login or user.updated_at or _never(),
                    enroll=not counted.enrolled,
                    account=user.email,
                )
            started = await self._sessions.new(tenant, user_id, amr=("pwd",))
            signin.start_session(started.session, ending=ending)
            result = await then(signin, started)
            await signin.commit()
            return result

    async def finish(
        self, tenant: Tenant, user_id: str, session_cookie: str | None, *, amr: tuple[str, ...]
    ) -> StartedSession:
        """The session after a second factor: a new id (SE-02) and a truthful `amr`."""
        await self._sessions.end(tenant, session_cookie)
        acr = MFA_ACR if "mfa" in amr else None
        return await self._sessions.start(tenant, user_id, amr=amr, acr=acr)


def _never() -> datetime:
    return datetime.min.replace(tzinfo=UTC)
