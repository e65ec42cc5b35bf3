"""The email one-time code: a fallback second factor a tenant may switch on (issue 10).

A code is 6 digits from :mod:`secrets` (one in a million per guess), stored only as a keyed
HMAC bound to the user, alive for five minutes, and used at most once: checking it is a
conditional ``DELETE`` of the row, so two parallel submissions give one success. Guesses go
through the attack protection's guessable-secret throttle first (BF-04: per user and per
IP), and a user can have a new code mailed at most every 30 seconds (no mail bombing).

NIST SP 800-63B §5.1.3.1 does not accept email as an out-of-band authenticator at AAL2:
the factor exists for tenants that prefer a mailbox to no second factor at all, and is off
unless ``settings.mfa.email_otp`` is true.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.domain.mfa import EmailCode
from tier0.errors import Unavailable
from tier0.mail.account import AccountMailer
from tier0.mfa.errors import InvalidCode
from tier0.mfa.events import MfaEvents
from tier0.protection.guessing import GuessThrottle, SecretKind
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import Database

__all__ = ["DIGITS", "LIFETIME", "EmailCodes"]

DIGITS = 6
LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=30)
PURPOSE = "mfa-email-code"


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


class EmailCodes:
    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        clock: Clock,
        throttle: GuessThrottle,
        mailer: AccountMailer,
        events: MfaEvents,
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._clock = clock
        self._throttle = throttle
        self._mailer = mailer
        self._events = events

    async def _hash(self, tenant: Tenant, user_id: str, code: str) -> str:
        key = await self._keyring.hash_key(tenant.id)
        return key.digest(f"{user_id}\x1f{code}", purpose=PURPOSE)

    async def send(self, tenant: Tenant, user_id: str, email: str) -> bool:
        """Mail a new code (replacing any earlier one). False: one was sent moments ago."""
        now = self._clock.now()
        async with self._db.read() as uow:
            live = await uow.email_codes.get(tenant.id, user_id)
        if live is not None and now - live.created_at < RESEND_AFTER:
            return False
        code = new_code()
        row = EmailCode(tenant.id, user_id, await self._hash(tenant, user_id, code), now,
                        now + LIFETIME)  # fmt: skip
        async with self._db.transaction() as uow:
            await uow.email_codes.put(row)
        minutes = int(LIFETIME.total_seconds() // 60)
        return await self._mailer.mfa_code(tenant, email, code, minutes)

    async def verify(self, tenant: Tenant, user_id: str, code: str, *, ip: str) -> None:
        """Accept ``code`` once; :class:`InvalidCode` or ``Unavailable`` (throttled)."""
        verdict = await self._throttle.check(
            SecretKind.EMAIL_OTP, tenant.id, ip=ip, subject=user_id
        )
        if verdict.throttled:
            await self._events.emit(
                EventType.MFA_RATE_LIMIT_EXCEEDED, tenant.id, user_id, ip=ip, factor="email"
            )
            raise Unavailable("too many attempts; try again later", retry_after=verdict.retry_after)
        cleaned = code.strip().replace(" ", "")
        accepted = False
        if len(cleaned) == DIGITS and cleaned.isascii() and cleaned.isdigit():
            digest = await self._hash(tenant, user_id, cleaned)
            async with self._db.transaction() as uow:
                accepted = await uow.email_codes.consume(
                    tenant.id, user_id, digest, self._clock.now()
                )
                if accepted:
                    await self._events.record(
                        uow, EventType.MFA_CHALLENGE_SUCCEEDED, tenant.id, user_id, ip=ip,
                        factor="email",
                    )  # fmt: skip
        if not accepted:
            await self._throttle.record_failure(
                SecretKind.EMAIL_OTP, tenant.id, ip=ip, subject=user_id
            )
            await self._events.emit(
                EventType.MFA_CHALLENGE_FAILED, tenant.id, user_id, ip=ip, factor="email"
            )
            raise InvalidCode()
        await self._throttle.record_success(SecretKind.EMAIL_OTP, tenant.id, subject=user_id)
