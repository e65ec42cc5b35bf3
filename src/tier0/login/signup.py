"""Self-service sign-up on the universal login (off unless the tenant switches it on).

BF-02: every sign-up attempt, whatever its outcome, first spends a token of the IP's
``pre-user-registration`` bucket (Auth0's suspicious-IP throttling: 50, one regained every
1,200 ms; the tenant's allow-list and enable switch apply). An empty bucket refuses the
attempt before anything else is looked at (no hash, no breach-list look-up) and is the
same answer for every address.

BF-03: the answer must not tell whether an address already has an account. So the page
after a sign-up is the same for a free and a taken address ("check your inbox, then sign
in"), and the work whose cost could differ runs after that answer is sent. In front, for
every address alike: the address shape, the password policy (NIST SP 800-63B-4 length,
context words, the breached list; the reason is shown) and the password hash. After the
answer: a free address gets its account and a verification link; a taken one gets nothing
new, and its owner a "someone tried to sign up with your address" mail (throttled like
every account mail). The pending /authorize request resumes through the sign-in form on
that page: signing in right away would reveal which case it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.errors import Conflict, InvalidInput
from tier0.login.account_support import AccountEvents, AccountLinks, MailThrottle
from tier0.login.verification import EmailVerification
from tier0.mail.account import AccountMailer
from tier0.protection.suspicious_ip import StageName, SuspiciousIpThrottle
from tier0.services.users import UserService, UserSpec, new_user_id
from tier0.services.validation import validate_email
from tier0.users.password_checker import PasswordChecker
from tier0.users.password_policy import PasswordRejected, RejectionCode
from tier0.users.passwords import PasswordHasher

__all__ = ["NewAccount", "SignupRejected", "SignupService", "SignupThrottled"]

log = structlog.get_logger("tier0.accounts")

BAD_EMAIL = "Enter a valid email address."
#: At least this many seconds between two ``suspicious_ip.throttled`` events for one IP.
REPORT_WINDOW_S = 60


@dataclass(frozen=True, slots=True)
class SignupRejected:
    """Refused before any account work; ``message`` says why (shown to the user)."""

    message: str


@dataclass(frozen=True, slots=True)
class SignupThrottled:
    """Too many sign-ups from this IP (BF-02): answer 429 with ``Retry-After``."""

    retry_after: int


@dataclass(frozen=True, slots=True)
class NewAccount:
    """A checked sign-up, hashed and ready for :meth:`SignupService.create`."""

    email: str
    password_hash: str = field(repr=False)


class SignupService:
    def __init__(
        self,
        *,
        users: UserService,
        passwords: PasswordChecker,
        hasher: PasswordHasher,
        verification: EmailVerification,
        mailer: AccountMailer,
        links: AccountLinks,
        throttle: MailThrottle,
        suspicious_ip: SuspiciousIpThrottle,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._users = users
        self._passwords = passwords
        self._hasher = hasher
        self._verification = verification
        self._mailer = mailer
        self._links = links
        self._throttle = throttle
        self._suspicious_ip = suspicious_ip
        self._events = AccountEvents(audit, clock)

    async def check(
        self, tenant: Tenant, email: str, password: str, *, ip: str | None
    ) -> NewAccount | SignupRejected | SignupThrottled:
        """The part of a sign-up done before answering, the same for every address."""
        if ip is not None:
            throttle = await self._suspicious_ip.hit_signup(tenant.name, ip)
            if throttle.throttled:
                await self._throttled(tenant, ip, throttle.retry_after)
                return SignupThrottled(throttle.retry_after)
        try:
            address = validate_email(email)
        except InvalidInput:
            return SignupRejected(BAD_EMAIL)
        policy = self._passwords.policy_for(tenant.name)
        words = [address, tenant.name, tenant.display_name]
        try:
            normalized = await self._passwords.check(password, policy, context=words)
        except PasswordRejected as exc:
            breached = exc.code is RejectionCode.BLOCKLISTED
            kind = (
                EventType.USER_SIGNUP_BREACHED_PASSWORD
                if breached
                else EventType.USER_SIGNUP_FAILED
            )
            await self._events.emit(kind, tenant, ip=ip, details={"reason": str(exc.code)})
            return SignupRejected(exc.message)
        return NewAccount(address, await self._hasher.hash(normalized))

    async def _throttled(self, tenant: Tenant, ip: str, wait: int) -> None:
        """``suspicious_ip.throttled`` (Auth0 ``limit_mu``) for the first refusal of this IP
        in at least a minute: the sign-up bucket regains a token every 1.2 s, so a flood
        meets refusals of a second or so, one after another; an event for each would hand
        it an audit-log write per request."""
        stage = StageName.PRE_USER_REGISTRATION
        window = max(wait, REPORT_WINDOW_S)
        if await self._suspicious_ip.first_refusal(tenant.name, ip, window, stage):
            details = {"stage": stage.value, "retry_after": wait}
            await self._events.emit(
                EventType.SUSPICIOUS_IP_THROTTLED, tenant, ip=ip, details=details
            )

    async def create(self, tenant: Tenant, account: NewAccount, *, ip: str | None) -> None:
        """The part done after answering: the account and its verification mail, or, for a
        taken address, a note to its owner. Never raises (the answer is already sent)."""
        try:
            await self._create(tenant, account, ip)
        except Exception as exc:  # noqa: BLE001 - logged without the address or any secret
            log.error("signup_failed", tenant=tenant.name, error_type=type(exc).__name__)

    async def _create(self, tenant: Tenant, account: NewAccount, ip: str | None) -> None:
        # The id is chosen here so that the sign-up event can name the user and commit in
        # the creation's transaction with it (issue #6: no account without its event).
        user_id = new_user_id()
        spec = UserSpec(email=account.email, password_hash=account.password_hash, user_id=user_id)
        signed_up = self._events.build(
            EventType.USER_SIGNUP_SUCCEEDED, tenant, user_id=user_id, ip=ip
        )
        try:
            by = ChangedBy(Actor.system("signup"), "signup", ip=ip)
            user = await self._users.create(tenant, spec, by=by, also=(signed_up,))
        except Conflict:
            await self._taken(tenant, account.email, ip)
            return
        await self._verification.send(tenant, user, ip=ip)

    async def _taken(self, tenant: Tenant, email: str, ip: str | None) -> None:
        owner = await self._users.find_by_email(tenant, email)
        owner_id = owner.user_id if owner else None
        details = {"reason": "email_taken"}
        await self._events.emit(
            EventType.USER_SIGNUP_FAILED, tenant, user_id=owner_id, ip=ip, details=details
        )
        if owner is not None and await self._throttle.allow(tenant, owner.email, "signup"):
            await self._mailer.signup_attempt(
                tenant, owner.email, self._links.page(tenant, "reset-password")
            )
