"""The second step of a sign-in: which factors the page offers, and checking the answer.

The "Verify it's you" page offers what the user has: an authenticator-app code or a
recovery code (one field), a passkey (a WebAuthn ceremony bound to this browser), and the
email one-time code when the tenant switched it on. :meth:`FactorSteps.check` returns the
RFC 8176 ``amr`` value the answer proved, or raises :class:`InvalidCode` /
:class:`~tier0.errors.Unavailable` (throttled, BF-04).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tier0.domain import Tenant
from tier0.mfa.email_code import EmailCodes
from tier0.mfa.errors import InvalidCode
from tier0.mfa.passkeys import Ceremony, PasskeyService
from tier0.mfa.policy import UserVerification, mfa_options
from tier0.mfa.service import MfaService

__all__ = ["Answer", "FactorSteps", "Offer"]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the second-factor form sent: a code (``via`` says which kind), or a passkey
    assertion with its sealed ceremony state."""

    code: str = field(default="", repr=False)
    via: str | None = None
    credential: str = field(default="", repr=False)
    state: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class Offer:
    passkey: Ceremony | None = None
    email_otp: bool = False


class FactorSteps:
    def __init__(self, mfa: MfaService, passkeys: PasskeyService, email: EmailCodes) -> None:
        self._mfa = mfa
        self._passkeys = passkeys
        self._email = email

    async def offer(self, tenant: Tenant, user_id: str, binding: str) -> Offer:
        """The passkey ceremony if the user has a passkey; the email code if allowed."""
        options = mfa_options(tenant)
        ceremony = None
        if await self._passkeys.passkeys(tenant, user_id):
            ceremony = await self._passkeys.begin_authentication(
                tenant, user_id, binding=binding, context="", uv=options.user_verification
            )
        email = options.email_otp and await self._mfa.enrolled(tenant, user_id)
        return Offer(ceremony, email)

    async def passwordless(self, tenant: Tenant, binding: str) -> Ceremony | None:
        """The sign-in page's passkey ceremony, when the tenant allows passwordless."""
        if not mfa_options(tenant).passwordless:
            return None
        return await self._passkeys.begin_authentication(
            tenant, None, binding=binding, context="", uv=UserVerification.REQUIRED
        )

    async def send_email_code(self, tenant: Tenant, user_id: str, email: str) -> bool:
        """Mail a code if the tenant allows it for this (enrolled) user."""
        offered = await self.offer(tenant, user_id, "")
        if not offered.email_otp:
            return False
        return await self._email.send(tenant, user_id, email)

    async def check(
        self, tenant: Tenant, user_id: str, binding: str, answer: Answer, *, ip: str
    ) -> str:
        """The ``amr`` value ``answer`` proves for ``user_id``."""
        if answer.credential:
            passkey = await self._passkeys.finish_authentication(
                tenant, user_id, binding=binding, context="", state=answer.state,
                credential=answer.credential, uv=mfa_options(tenant).user_verification, ip=ip,
            )  # fmt: skip
            return passkey.amr
        if answer.via == "email":
            if not mfa_options(tenant).email_otp:
                raise InvalidCode()
            await self._email.verify(tenant, user_id, answer.code, ip=ip)
            return "mfa"
        return await self._mfa.verify(tenant, user_id, answer.code, ip=ip)

    async def passkey_sign_in(
        self, tenant: Tenant, binding: str, *, state: str, credential: str, ip: str
    ) -> tuple[str, str]:
        """Passwordless: the user the passkey belongs to and its ``amr`` value."""
        if not mfa_options(tenant).passwordless:
            raise InvalidCode()
        passkey = await self._passkeys.finish_authentication(
            tenant, None, binding=binding, context="", state=state, credential=credential,
            uv=UserVerification.REQUIRED, ip=ip,
        )  # fmt: skip
        return passkey.user_id, passkey.amr
