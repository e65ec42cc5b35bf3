"""Email verification: a single-use, expiring link that sets ``email_verified``.

The link carries a ticket (:mod:`tier0.users.tickets`: 256 bits, stored as a keyed hash,
one use, ``email_verification_lifetime``). Opening it shows a confirmation button; only
the POST of that button uses the ticket, so a mail scanner that fetches every link cannot
spend it. Asking for a new link answers the same whether or not the address has an
unverified account (BF-03) and is throttled per address. With the tenant switch
``email_verification.required`` a password alone does not finish a sign-in until the
address is verified (see :mod:`tier0.login.signin`).
"""

from __future__ import annotations

from dataclasses import replace

from tier0.audit.events import EventType
from tier0.domain import Tenant, User
from tier0.login.account_support import MailedLinkFlow
from tier0.users.tickets import Purpose

__all__ = ["EmailVerification"]

VERIFY_PATH = "email-verification"


class EmailVerification(MailedLinkFlow):
    """Sends verification links and redeems them."""

    async def send(self, tenant: Tenant, user: User, *, ip: str | None = None) -> bool:
        """Mail a new link to ``user`` (older links stop working)."""
        if user.email_verified or not await self._throttle.allow(tenant, user.email, "verify"):
            return False
        event = self._events.build(
            EventType.USER_EMAIL_VERIFICATION_SENT, tenant, user_id=user.user_id, ip=ip
        )
        ticket = await self._issue(tenant, user.user_id, Purpose.VERIFY_EMAIL, event)
        link = self._links.page(tenant, VERIFY_PATH, ticket=ticket)
        minutes = int(self._lifetime.total_seconds() // 60)
        sent = await self._mailer.verify_email(tenant, user.email, link, minutes)
        return sent

    async def resend(self, tenant: Tenant, email: str, *, ip: str | None) -> None:
        """A new link if ``email`` has an unverified, unblocked account; else nothing.
        The caller answers the same either way (BF-03)."""
        user = await self._users.find_by_email(tenant, email.strip())
        if user is None or user.blocked or user.email_verified:
            return
        await self.send(tenant, user, ip=ip)

    async def usable(self, tenant: Tenant, ticket: str | None) -> bool:
        """Whether the link can still be used (to show the button or the "expired" page)."""
        return await self._tickets.peek(tenant, ticket, Purpose.VERIFY_EMAIL) is not None

    async def verify(self, tenant: Tenant, ticket: str | None, *, ip: str | None) -> bool:
        """Use the link: ``email_verified`` becomes true. False when it is unknown, used or
        expired (and then nothing changes)."""
        fingerprint = await self._tickets.fingerprint(tenant, ticket, Purpose.VERIFY_EMAIL)
        await self._audit.chain_key(tenant.id)  # cached now: no key read in the transaction
        async with self._db.transaction() as uow:
            used = await self._tickets.redeem(uow, tenant, fingerprint, Purpose.VERIFY_EMAIL)
            user = await uow.users.get(tenant.id, used.user_id) if used else None
            if used is not None and user is not None:
                await uow.users.update(
                    replace(user, email_verified=True, updated_at=self._clock.now())
                )
                event = self._events.build(
                    EventType.USER_EMAIL_VERIFIED, tenant, user_id=user.user_id, ip=ip, by_user=True
                )
                await self._audit.record(uow, event)
                return True
        await self._events.emit(
            EventType.USER_EMAIL_VERIFICATION_FAILED, tenant, ip=ip, details={"reason": "invalid"}
        )
        return False
