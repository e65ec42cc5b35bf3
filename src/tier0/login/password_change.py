"""Self-service password change from the account area (PW-06).

PW-06: "Change needs the current password. No periodic expiry. By default a change revokes
other sessions and RTs." A wrong current password counts against the same brute-force and
suspicious-IP protection as the sign-in form (a stolen session cookie must not become a
password-guessing oracle). The new password passes the tenant policy, the breached-password
list and the history. The change, the end of the user's *other* sessions, the revocation of
every refresh token and the ``user.password.changed`` event commit in one transaction; the
browser that made the change stays signed in. Then the "password changed" mail goes out.
"""

from __future__ import annotations

from dataclasses import dataclass

from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.domain.grants import Session
from tier0.login.account_support import AccountEvents
from tier0.login.guard import Attempt, SignInGuard
from tier0.services.revocation import Revoked, revoke_user_credentials
from tier0.services.users import UserService
from tier0.storage.ports import Database
from tier0.users.password_policy import PasswordRejected

__all__ = ["ChangeRefused", "PasswordChange"]


@dataclass(frozen=True, slots=True)
class ChangeRefused:
    """Nothing changed; ``message`` is shown to the user with ``status`` (and, for a 429,
    ``Retry-After: retry_after``)."""

    message: str
    status: int = 400
    retry_after: int = 0


class PasswordChange:
    def __init__(
        self,
        *,
        db: Database,
        users: UserService,
        guard: SignInGuard,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._db = db
        self._users = users
        self._guard = guard
        self._audit = audit
        self._clock = clock
        self._events = AccountEvents(audit, clock)

    async def change(
        self, tenant: Tenant, session: Session, current: str, new: str, *, ip: str | None
    ) -> Revoked | ChangeRefused:
        """Replace the password of the session's user if ``current`` is right."""
        if not current or not new:
            return ChangeRefused("Enter your current password and a new one.")
        user = await self._users.get(tenant, session.user_id)
        attempt = Attempt(tenant, user.email, ip)
        wait = await self._guard.refused_for(attempt)
        if wait is not None:
            return ChangeRefused("Too many attempts. Try again later.", 429, wait)
        if not await self._users.password_matches(user, current):
            await self._guard.failed(attempt, user)
            return await self._failed(tenant, user.user_id, ip, "wrong_current_password",
                                      "Your current password is not correct.")  # fmt: skip
        try:
            password_hash = await self._users.new_password_hash(tenant, user, new)
        except PasswordRejected as exc:
            return await self._failed(tenant, user.user_id, ip, str(exc.code), exc.message)
        await self._audit.chain_key(tenant.id)  # cached now: no key read in the transaction
        async with self._db.transaction() as uow:
            await self._users.store_password(uow, tenant, user.user_id, password_hash)
            revoked = await revoke_user_credentials(
                uow, tenant.id, user.user_id, self._clock.now(), keep_sid=session.sid
            )
            details: dict[str, object] = {
                "via": "account",
                "sessions_ended": revoked.sessions_ended,
                "refresh_tokens_revoked": revoked.refresh_tokens_revoked,
            }
            event = self._events.build(
                EventType.USER_PASSWORD_CHANGED,
                tenant,
                user_id=user.user_id,
                ip=ip,
                details=details,
                by_user=True,
            )
            await self._audit.record(uow, event)
        await self._users.notify_password_changed(tenant, user)
        return revoked

    async def _failed(
        self, tenant: Tenant, user_id: str, ip: str | None, reason: str, message: str
    ) -> ChangeRefused:
        details = {"reason": reason, "via": "account"}
        await self._events.emit(
            EventType.USER_PASSWORD_CHANGE_FAILED,
            tenant,
            user_id=user_id,
            ip=ip,
            details=details,
            by_user=True,
        )
        return ChangeRefused(message)
