"""The account mails, rendered and sent in one call: what the user services use.

Delivery is best effort by design: the change that triggers a mail (a new password, a
block) has already happened and must not be undone because the mail server is down. A
failure is logged (without the body, whose links are secrets) and reported as ``False``.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.mail.render import MailKind, MailRenderer
from tier0.mail.sender import EmailSender, MailDeliveryError


class AccountMailer:
    """Verification, reset, sign-up-attempt, blocked-account and password-changed mails
    for one tenant's user."""

    def __init__(self, renderer: MailRenderer, sender: EmailSender, clock: Clock) -> None:
        self._renderer = renderer
        self._sender = sender
        self._clock = clock
        self._log = structlog.get_logger("tier0.mail")

    async def _send(
        self, kind: MailKind, tenant: Tenant, to: str, context: Mapping[str, object]
    ) -> bool:
        message = self._renderer.render(
            kind, to=to, context={"tenant_name": tenant.display_name or tenant.name, **context}
        )
        try:
            await self._sender.send(message)
        except MailDeliveryError as exc:
            self._log.warning(
                "mail.delivery_failed", kind=str(kind), tenant=tenant.name, reason=str(exc)
            )
            return False
        return True

    async def password_changed(self, tenant: Tenant, to: str) -> bool:
        changed_at = self._clock.now().strftime("%Y-%m-%d %H:%M UTC")
        return await self._send(MailKind.PASSWORD_CHANGED, tenant, to, {"changed_at": changed_at})

    async def verify_email(self, tenant: Tenant, to: str, link: str, expires_minutes: int) -> bool:
        context = {"link": link, "expires_minutes": expires_minutes}
        return await self._send(MailKind.VERIFY_EMAIL, tenant, to, context)

    async def password_reset(
        self, tenant: Tenant, to: str, link: str, expires_minutes: int
    ) -> bool:
        context = {"link": link, "expires_minutes": expires_minutes}
        return await self._send(MailKind.PASSWORD_RESET, tenant, to, context)

    async def signup_attempt(self, tenant: Tenant, to: str, reset_link: str) -> bool:
        """BF-03: a sign-up with a taken address answers like any other; the owner hears of
        it here, with a way back in if it was them."""
        return await self._send(MailKind.SIGNUP_ATTEMPT, tenant, to, {"link": reset_link})

    async def account_blocked(
        self, tenant: Tenant, to: str, unblock_link: str, expires_minutes: int
    ) -> bool:
        context = {"link": unblock_link, "expires_minutes": expires_minutes}
        return await self._send(MailKind.ACCOUNT_BLOCKED, tenant, to, context)

    async def mfa_code(self, tenant: Tenant, to: str, code: str, expires_minutes: int) -> bool:
        """The email one-time code of a sign-in (the MFA fallback factor)."""
        context = {"code": code, "expires_minutes": expires_minutes}
        return await self._send(MailKind.MFA_CODE, tenant, to, context)
