"""Guess throttling of the tickets in mailed links: password reset, email verification and
the brute-force unblock link (BF-04, ASVS 6.3.3: online guessing is rate limited wherever a
secret is checked).

A ticket names no account until it is found, so only the IP is throttled: a bucket of
failures per (tenant, kind, IP) in :class:`~tier0.protection.guessing.GuessThrottle` (20,
one regained a minute). Callers ask :meth:`TicketGuard.wait` before they look a ticket up
and call :meth:`TicketGuard.failed` when a presented ticket is unknown, spent or expired. A
good ticket refills nothing: whoever holds one valid link (their own reset, say) must not be
able to empty and refill their bucket between guesses at other people's.

A refusal is the security event ``suspicious_ip.throttled`` (Auth0 ``limit_mu``; the
vocabulary's name for "a source was throttled after failures", as for client secrets) with
``details.stage`` the ticket's kind, once per IP, kind and window (the wait, at least a
minute): a refused guesser must not get an audit-log write per request.
"""

from __future__ import annotations

from tier0.audit.events import EventType
from tier0.cache.counters import CounterStore
from tier0.domain import Tenant
from tier0.login.account_support import AccountEvents
from tier0.protection.guessing import GuessThrottle, SecretKind
from tier0.protection.networks import normalise_ip

__all__ = ["REPORT_WINDOW_S", "TicketGuard"]

#: The shortest window between two throttle events for one IP and kind, in seconds.
REPORT_WINDOW_S = 60


class TicketGuard:
    def __init__(
        self, guessing: GuessThrottle, counters: CounterStore, events: AccountEvents
    ) -> None:
        self._guessing = guessing
        self._counters = counters
        self._events = events

    async def wait(self, kind: SecretKind, tenant: Tenant, ip: str | None) -> int:
        """Seconds before this IP may have a ticket looked at; 0 to go ahead."""
        source = ip or ""  # no peer address at all: such requests share one bucket
        throttle = await self._guessing.check(kind, tenant.name, ip=source)
        if throttle.throttled:
            await self._report(kind, tenant, source, throttle.retry_after)
        return throttle.retry_after if throttle.throttled else 0

    async def failed(self, kind: SecretKind, tenant: Tenant, ip: str | None) -> None:
        """A presented ticket was wrong: it spends one of the IP's tries."""
        await self._guessing.record_failure(kind, tenant.name, ip=ip or "")

    async def _report(self, kind: SecretKind, tenant: Tenant, ip: str, wait: int) -> None:
        key = f"guess:reported:{kind.value}:{tenant.name}:ip:{normalise_ip(ip)}"
        if await self._counters.incr(key, window_s=max(wait, REPORT_WINDOW_S)) != 1:
            return
        details = {"stage": kind.value, "by": "ip", "retry_after": wait}
        await self._events.emit(
            EventType.SUSPICIOUS_IP_THROTTLED, tenant, ip=ip or None, details=details
        )
