"""Attack protection on the account pages: the sign-up stage of suspicious-IP throttling
(BF-02) and guess throttling of mailed-link tickets (BF-04), with their security events.

Issue #5: "every block, throttle and unblock is a security event". A refusal is reported
as ``suspicious_ip.throttled`` (Auth0 ``limit_mu``), the one type in the vocabulary for an
IP refused because of what it did across accounts: too many sign-ups, or too many wrong
link tickets (each ticket belongs to some account; a guesser does not know whose). One
event per source, kind and minute, not one per refused request: a flood must not become a
flood of audit-log writes (the edge's ``rate_limit.exceeded`` follows the same rule).
"""

from __future__ import annotations

from collections.abc import Mapping

from tier0.audit.events import EventType
from tier0.cache.counters import CounterStore
from tier0.domain import Tenant
from tier0.login.account_support import AccountEvents
from tier0.protection.networks import normalise_ip

__all__ = ["REPORT_WINDOW_S", "ThrottleReports"]

#: At most one throttle event per (tenant, kind, IP) in this many seconds.
REPORT_WINDOW_S = 60


class ThrottleReports:
    """Emits ``suspicious_ip.throttled`` for the first refusal of a source in each window."""

    def __init__(self, counters: CounterStore, events: AccountEvents) -> None:
        self._counters = counters
        self._events = events

    async def report(
        self, tenant: Tenant, ip: str, *, kind: str, details: Mapping[str, object]
    ) -> None:
        key = f"throttle:reported:{kind}:{tenant.name}:{normalise_ip(ip)}"
        if await self._counters.incr(key, window_s=REPORT_WINDOW_S) != 1:
            return
        await self._events.emit(EventType.SUSPICIOUS_IP_THROTTLED, tenant, ip=ip, details=details)
