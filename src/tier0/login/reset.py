"""Password reset by mailed link (PW-07) and what a completed reset undoes (PW-06).

PW-07: "Reset token: ≥128 bit, stored hashed, single use, ≤1 h, identical response for
unknown accounts, keeps MFA." The ticket is 256 bits, stored as a keyed hash, redeemed by a
conditional update and valid for ``password_reset_lifetime`` (at most an hour). The request
page answers identically for every address, and the work (ticket, mail) runs after the
answer is sent, so its timing says nothing either. The new password passes the same checks
as every other: the tenant policy, the breached-password list and the history.

A completed reset, in one transaction: the ticket is spent (and the user's other reset
links retired), the hash replaced, every session ended and every refresh-token family
revoked (PW-06: "a change revokes other sessions and RTs"); the address counts as verified
(the link proved the mailbox). Then the "password changed" mail goes out and brute-force
blocks on the address are lifted. MFA factors are untouched: the next sign-in still asks
for the second factor, and a reset never signs anyone in by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tier0.audit.events import EventType
from tier0.domain import Tenant
from tier0.errors import NotFound
from tier0.login.account_support import MailedLinkDeps, MailedLinkFlow
from tier0.protection.brute_force import BruteForceProtection
from tier0.services.revocation import revoke_user_credentials
from tier0.storage.ports import UnitOfWork
from tier0.users.password_policy import PasswordRejected, RejectionCode
from tier0.users.tickets import Purpose

__all__ = ["PasswordReset", "ResetDone", "ResetExpired", "ResetRejected"]

RESET_PATH = "reset-password/change"


@dataclass(frozen=True, slots=True)
class ResetDone:
    sessions_ended: int
    refresh_tokens_revoked: int


@dataclass(frozen=True, slots=True)
class ResetRejected:
    """The new password was refused; ``message`` says why (shown to the user)."""

    message: str


@dataclass(frozen=True, slots=True)
class ResetExpired:
    """The link is unknown, used or expired."""


class PasswordReset(MailedLinkFlow):
    """Mails reset links and completes resets."""

    def __init__(
        self, deps: MailedLinkDeps, *, lifetime: timedelta, brute_force: BruteForceProtection
    ) -> None:
        super().__init__(deps, lifetime=lifetime)
        self._brute_force = brute_force

    async def request(self, tenant: Tenant, email: str, *, ip: str | None) -> None:
        """Mail a link if ``email`` has an unblocked account; else only an event. Run after
        the (identical) answer was sent."""
        user = await self._users.find_by_email(tenant, email.strip())
        if user is None or user.blocked:
            reason = "unknown_user" if user is None else "blocked"
            await self._events.emit(
                EventType.USER_PASSWORD_RESET_REQUEST_FAILED,
                tenant,
                user_id=user.user_id if user else None,
                ip=ip,
                details={"reason": reason},
            )
            return
        if not await self._throttle.allow(tenant, user.email, "reset"):
            await self._events.emit(
                EventType.USER_PASSWORD_RESET_REQUEST_FAILED,
                tenant,
                user_id=user.user_id,
                ip=ip,
                details={"reason": "throttled"},
            )
            return
        event = self._events.build(
            EventType.USER_PASSWORD_RESET_REQUESTED, tenant, user_id=user.user_id, ip=ip
        )
        ticket = await self._issue(tenant, user.user_id, Purpose.RESET_PASSWORD, event)
        link = self._links.page(tenant, RESET_PATH, ticket=ticket)
        minutes = int(self._lifetime.total_seconds() // 60)
        await self._mailer.password_reset(tenant, user.email, link, minutes)

    async def usable(self, tenant: Tenant, ticket: str | None) -> bool:
        return await self._tickets.peek(tenant, ticket, Purpose.RESET_PASSWORD) is not None

    async def complete(
        self, tenant: Tenant, ticket: str | None, password: str, *, ip: str | None
    ) -> ResetDone | ResetRejected | ResetExpired:
        """Set the new password if the link is still good and the password acceptable."""
        found = await self._tickets.peek(tenant, ticket, Purpose.RESET_PASSWORD)
        if found is None:
            return await self._expired(tenant, ip)
        try:
            user = await self._users.get(tenant, found.user_id)
            password_hash = await self._users.new_password_hash(tenant, user, password)
        except NotFound:
            return await self._expired(tenant, ip)
        except PasswordRejected as exc:
            breached = exc.code is RejectionCode.BLOCKLISTED
            kind = (
                EventType.USER_PASSWORD_RESET_BREACHED_PASSWORD
                if breached
                else EventType.USER_PASSWORD_CHANGE_FAILED
            )
            details = {"reason": str(exc.code), "via": "reset"}
            await self._events.emit(kind, tenant, user_id=user.user_id, ip=ip, details=details)
            return ResetRejected(exc.message)
        fingerprint = await self._tickets.fingerprint(tenant, ticket, Purpose.RESET_PASSWORD)
        await self._audit.chain_key(tenant.id)  # cached now: no key read in the transaction
        async with self._db.transaction() as uow:
            used = await self._tickets.redeem(uow, tenant, fingerprint, Purpose.RESET_PASSWORD)
            if used is None:  # spent by a parallel request since the peek
                done = None
            else:
                done = await self._apply(uow, tenant, used.user_id, password_hash, ip)
        if done is None:
            return await self._expired(tenant, ip)
        await self._users.notify_password_changed(tenant, user)
        await self._brute_force.unblock(tenant.name, user.email.strip().lower())
        return done

    async def _apply(
        self, uow: UnitOfWork, tenant: Tenant, user_id: str, password_hash: str, ip: str | None
    ) -> ResetDone:
        now = self._clock.now()
        await self._users.store_password(uow, tenant, user_id, password_hash, email_verified=True)
        await self._tickets.retire(uow, tenant, user_id, Purpose.RESET_PASSWORD)
        revoked = await revoke_user_credentials(uow, tenant.id, user_id, now)
        sessions, tokens = revoked.sessions_ended, revoked.refresh_tokens_revoked
        details: dict[str, object] = {
            "via": "reset",
            "sessions_ended": sessions,
            "refresh_tokens_revoked": tokens,
        }
        event = self._events.build(
            EventType.USER_PASSWORD_CHANGED,
            tenant,
            user_id=user_id,
            ip=ip,
            details=details,
            by_user=True,
        )
        await self._audit.record(uow, event)
        return ResetDone(sessions, tokens)

    async def _expired(self, tenant: Tenant, ip: str | None) -> ResetExpired:
        await self._events.emit(
            EventType.USER_PASSWORD_CHANGE_FAILED,
            tenant,
            ip=ip,
            details={"reason": "invalid_link", "via": "reset"},
        )
        return ResetExpired()
