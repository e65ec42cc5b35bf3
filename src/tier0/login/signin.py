"""The password check of the sign-in form, between attack protection and a new session.

SE-02: the session id is always new at sign-in; whatever session the browser presented
before (perhaps planted by an attacker) is ended and never reused. Attempts the
brute-force or suspicious-IP protection refuses cost no password hash (BF-01, BF-02).

After the password is verified, one transaction holds everything the sign-in writes: the
login count (and an upgraded hash), the ``user.login.succeeded`` event, the old session's
end, the new session and whatever the caller's continuation adds (the authorization code
of the pending request). They commit together or not at all, and a sign-in costs one
write transaction instead of four.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from tier0.domain import Tenant
from tier0.login.account_policy import verification_required
from tier0.login.guard import Attempt, SignInGuard
from tier0.login.results import TOO_MANY, UNVERIFIED, WRONG, Refused
from tier0.login.second_factor import MFA_ACR, PasswordVerified
from tier0.login.sessions import SessionService, StartedSession
from tier0.mfa.policy import MfaPolicy, mfa_options
from tier0.mfa.service import MfaService
from tier0.services.users import CheckedPassword, InvalidCredentials, UserService
from tier0.storage.ports import Database, UnitOfWork

__all__ = ["Authenticator"]

T = TypeVar("T")
#: What to do with the new session inside the sign-in's transaction.
Then = Callable[[UnitOfWork, StartedSession], Awaitable[T]]


async def _started(_uow: UnitOfWork, started: StartedSession) -> StartedSession:
    return started


class Authenticator:
    """Checks a password and, on success, replaces the browser's session."""

    def __init__(
        self,
        *,
        db: Database,
        users: UserService,
        sessions: SessionService,
        guard: SignInGuard,
        mfa: MfaService | None = None,
    ) -> None:
        self._db = db
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
        if await self._guard.refused_for(attempt) is not None:
            return TOO_MANY
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
        tenant = attempt.tenant
        unverified = verification_required(tenant) and not checked.user.email_verified
        async with self._db.transaction() as uow:
            user = await self._users.record_login(uow, tenant, checked, ip=attempt.ip)
            if unverified:
                # The tenant's switch: no session (nor second factor) before the address
                # is proven.
                await self._guard.unverified(attempt, user, uow)
                return UNVERIFIED
            await self._guard.succeeded(attempt, user, uow)
            policy = mfa_options(tenant).policy_for(attempt.client_id)
            if require_mfa:
                policy = MfaPolicy.REQUIRED
            if self._mfa is not None and policy is not MfaPolicy.NEVER:
                enrolled = await self._mfa.enrolled(tenant, user.user_id, uow)
                if enrolled or policy is MfaPolicy.REQUIRED:
                    # Required but not enrolled: the enrollment is the second step (MF-04).
                    return PasswordVerified(
                        user.user_id,
                        user.last_login or user.updated_at or _never(),
                        enroll=not enrolled,
                        account=user.email,
                    )
            await self._sessions.end(tenant, session_cookie, uow=uow)
            started = await self._sessions.start(tenant, user.user_id, amr=("pwd",), uow=uow)
            return await then(uow, started)

    async def finish(
        self, tenant: Tenant, user_id: str, session_cookie: str | None, *, amr: tuple[str, ...]
    ) -> StartedSession:
        """The session after a second factor: a new id (SE-02) and a truthful `amr`."""
        await self._sessions.end(tenant, session_cookie)
        acr = MFA_ACR if "mfa" in amr else None
        return await self._sessions.start(tenant, user_id, amr=amr, acr=acr)


def _never() -> datetime:
    return datetime.min.replace(tzinfo=UTC)
