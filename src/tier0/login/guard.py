"""Attack protection and audit events around the password check of the sign-in form.

Before any hashing (so refused attempts cost nothing): the suspicious-IP throttle (BF-02,
Auth0's ``limit_mu``: event ``suspicious_ip.throttled``) and the brute-force block for this
identifier and IP or the account's progressive throttle (BF-01: ``user.login.rate_limited``).
After it: the outcome is recorded with both, and a security event is written; a failure
that completes a credential-stuffing pattern also writes
``security.credential_stuffing_suspected``. The answer to the browser never says which case
failed (BF-03); only the audit log does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import EventUnit
from tier0.audit.sink import EventSink
from tier0.clock import Clock
from tier0.domain import Tenant, User
from tier0.protection.brute_force import BruteForceProtection
from tier0.protection.suspicious_ip import StageName, StuffingSignal, SuspiciousIpThrottle

__all__ = ["Attempt", "SignInEvents", "SignInGuard", "counted_identifier"]

log = structlog.get_logger("tier0.login")


def counted_identifier(identifier: str) -> str:
    """An identifier as counted: case and outer spaces do not make a new account."""
    return identifier.strip().lower()


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in attempt: who it is for and where it comes from."""

    tenant: Tenant
    identifier: str
    ip: str | None
    client_id: str | None = None

    @property
    def key(self) -> str:
        """The identifier as counted (:func:`counted_identifier`)."""
        return counted_identifier(self.identifier)


class SignInEvents(EventSink, Protocol):
    """Where sign-in events go: on their own (``emit``), or inside the transaction of the
    change they describe (``record``: the audit log's transactional outbox)."""

    async def record(self, uow: EventUnit, event: SecurityEvent) -> object: ...


class SignInGuard:
    """Brute-force and suspicious-IP checks plus sign-in events."""

    def __init__(
        self,
        *,
        brute_force: BruteForceProtection,
        suspicious_ip: SuspiciousIpThrottle,
        events: SignInEvents,
        clock: Clock,
        notify_blocked: Callable[[Tenant, User, str], None] | None = None,
    ) -> None:
        self._notify_blocked = notify_blocked
        self._brute_force = brute_force
        self._suspicious_ip = suspicious_ip
        self._events = events
        self._clock = clock

    async def refused_for(self, attempt: Attempt) -> int | None:
        """Seconds to wait if this attempt must not even be tried, else None."""
        if attempt.ip is None:
            return None
        throttle = await self._suspicious_ip.check_login(attempt.tenant.name, attempt.ip)
        if throttle.throttled:
            await self._ip_throttled(attempt, attempt.ip, throttle.retry_after)
            return throttle.retry_after
        verdict = await self._brute_force.check(attempt.tenant.name, attempt.key, attempt.ip)
        if not verdict.allowed:
            await self._emit(attempt, EventType.USER_LOGIN_RATE_LIMITED, details={"by": "account"})
            return verdict.retry_after
        return None

    async def failed(self, attempt: Attempt, known: User | None) -> None:
        """Record a failed password check; ``known`` is the account if it exists."""
        if attempt.ip is not None:
            verdict = await self._brute_force.record_failure(
                attempt.tenant.name, attempt.key, attempt.ip
            )
            outcome = await self._suspicious_ip.record_login_failure(
                attempt.tenant.name, attempt.ip, attempt.key, attempt.client_id
            )
            for signal in outcome.stuffing:
                await self._emit(
                    attempt,
                    EventType.SECURITY_CREDENTIAL_STUFFING_SUSPECTED,
                    details=_stuffing_details(signal),
                )
            if outcome.throttle.throttled:
                # This failure emptied the IP's bucket or raised the stuffing flag: the
                # throttle starts now, whether or not the IP tries again.
                await self._ip_throttled(attempt, attempt.ip, outcome.throttle.retry_after)
            if verdict.newly_blocked:
                await self._emit(attempt, EventType.BRUTE_FORCE_BLOCKED, user=known)
                if known is not None and self._notify_blocked is not None:
                    # BF-01: the owner gets a single-use link that lifts this IP's block.
                    self._notify_blocked(attempt.tenant, known, attempt.ip)
        if known is None:
            await self._emit(attempt, EventType.USER_LOGIN_USER_UNKNOWN)
        elif known.blocked:
            await self._emit(
                attempt, EventType.USER_LOGIN_FAILED, user=known, details={"reason": "blocked"}
            )
        else:
            await self._emit(attempt, EventType.USER_LOGIN_PASSWORD_INCORRECT, user=known)

    def login_event(self, attempt: Attempt, user_id: str, *, verified: bool) -> SecurityEvent:
        """The event of a right password, for the caller to write in the sign-in's
        transaction: ``user.login.succeeded``, or ``user.login.failed`` when the tenant
        requires a verified address first (``verified`` false)."""
        if verified:
            return self._event(attempt, EventType.USER_LOGIN_SUCCEEDED, user_id=user_id)
        details: dict[str, object] = {"reason": "email_unverified"}
        return self._event(attempt, EventType.USER_LOGIN_FAILED, user_id=user_id, details=details)

    async def passed(self, attempt: Attempt) -> None:
        """A right password resets the brute-force and suspicious-IP counters."""
        if attempt.ip is not None:
            await self._brute_force.record_success(attempt.tenant.name, attempt.key, attempt.ip)
            await self._suspicious_ip.record_login_success(
                attempt.tenant.name, attempt.ip, attempt.client_id
            )

    async def silent(self, attempt: Attempt, user_id: str | None, *, ok: bool) -> None:
        """A ``prompt=none`` authorization: answered from the session, or not (ssa/fsa)."""
        kind = EventType.USER_SILENT_AUTH_SUCCEEDED if ok else EventType.USER_SILENT_AUTH_FAILED
        await self._emit(attempt, kind, user_id=user_id)

    async def _ip_throttled(self, attempt: Attempt, ip: str, wait: int) -> None:
        """``suspicious_ip.throttled`` (Auth0 ``limit_mu``), once per IP and throttle: the
        first refusal writes the event, the rest of the wait is only counted. One event per
        refused attempt would hand a throttled IP an audit-log write per request, and make
        one IP look like a burst of blocks to the detection rules."""
        stage = StageName.PRE_LOGIN
        if await self._suspicious_ip.first_refusal(attempt.tenant.name, ip, wait, stage):
            details: dict[str, object] = {"stage": stage.value, "retry_after": wait}
            await self._emit(attempt, EventType.SUSPICIOUS_IP_THROTTLED, details=details)

    async def _emit(
        self,
        attempt: Attempt,
        kind: EventType,
        *,
        user: User | None = None,
        user_id: str | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        user_id = user.user_id if user is not None else user_id
        try:
            await self._events.emit(self._event(attempt, kind, user_id=user_id, details=details))
        except Exception as exc:  # noqa: BLE001 - a lost event must not fail a sign-in
            log.error("login_event_failed", event=str(kind), error_type=type(exc).__name__)

    def _event(
        self,
        attempt: Attempt,
        kind: EventType,
        *,
        user_id: str | None,
        details: dict[str, object] | None = None,
    ) -> SecurityEvent:
        return SecurityEvent.create(
            kind,
            clock=self._clock,
            tenant_id=attempt.tenant.id,
            actor=Actor.user(user_id) if user_id else Actor.anonymous(),
            subject=Subject.of("user", user_id) if user_id else None,
            client_id=attempt.client_id,
            ip=attempt.ip,
            details=details,
        )


def _stuffing_details(signal: StuffingSignal) -> dict[str, object]:
    """What the signal saw: counts and the source (an IP or a client id, neither secret);
    never an identifier tried, let alone a password."""
    return {
        "source_kind": signal.kind,
        "source": signal.source,
        "distinct_identifiers": signal.distinct_identifiers,
        "failures": signal.failures,
        "attempts": signal.attempts,
    }
