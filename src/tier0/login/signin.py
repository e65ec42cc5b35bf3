"""The password check of the sign-in form, between attack protection and a new session.

SE-02: the session id is always new at sign-in; whatever session the browser presented
before (perhaps planted by an attacker) is ended and never reused. Attempts the
brute-force or suspicious-IP protection refuses cost no password hash (BF-01, BF-02).
"""

from __future__ import annotations

from tier0.login.guard import Attempt, SignInGuard
from tier0.login.results import TOO_MANY, WRONG, Refused
from tier0.login.sessions import SessionService, StartedSession
from tier0.services.users import InvalidCredentials, UserService

__all__ = ["Authenticator"]


class Authenticator:
    """Checks a password and, on success, replaces the browser's session."""

    def __init__(self, *, users: UserService, sessions: SessionService, guard: SignInGuard) -> None:
        self._users = users
        self._sessions = sessions
        self._guard = guard

    async def authenticate(
        self, attempt: Attempt, password: str, session_cookie: str | None
    ) -> StartedSession | Refused:
        """A new session for the account, or the refusal to show (BF-03: one text)."""
        if await self._guard.refused_for(attempt) is not None:
            return TOO_MANY
        email = attempt.identifier.strip()
        try:
            user = await self._users.authenticate(attempt.tenant, email, password, ip=attempt.ip)
        except InvalidCredentials:
            # Looked up on every failure alike, so the answer's timing tells nothing.
            known = await self._users.find_by_email(attempt.tenant, email)
            await self._guard.failed(attempt, known)
            return WRONG
        await self._guard.succeeded(attempt, user)
        await self._sessions.end(attempt.tenant, session_cookie)
        return await self._sessions.start(attempt.tenant, user.user_id, amr=("pwd",))
