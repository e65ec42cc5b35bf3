"""Progressive delay after consecutive failures, capped and never permanent.

NIST SP 800-63B §3.2.2 (rev. 3 §5.2.2): "the verifier SHALL limit consecutive failed
authentication attempts on a single account to no more than 100". After `free_failures`
consecutive failures each further attempt waits `base_delay_s * 2**k`, capped at
`max_delay_s`; after `max_consecutive_failures` (≤100) the subject waits until the failure
window ends. A success resets everything. Used for accounts (sign-in) and for every guessable
secret (BF-04).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from math import ceil

from tier0.cache.counters import CounterStore
from tier0.clock import Clock

_DAY = 86_400
_UNTIL = "until"


@dataclass(frozen=True, slots=True)
class ProgressivePolicy:
    free_failures: int = 5
    base_delay_s: int = 1
    max_delay_s: int = 900
    max_consecutive_failures: int = 100
    failure_window_s: int = _DAY

    def __post_init__(self) -> None:
        if not 1 <= self.max_consecutive_failures <= 100:
            raise ValueError("max_consecutive_failures must be 1-100 (NIST SP 800-63B)")
        if not 0 <= self.free_failures < self.max_consecutive_failures:
            raise ValueError("free_failures must be below max_consecutive_failures")
        if self.base_delay_s < 1 or self.max_delay_s < self.base_delay_s:
            raise ValueError("base_delay_s >= 1 and max_delay_s >= base_delay_s are required")
        if self.failure_window_s < 1:
            raise ValueError("failure_window_s must be positive")

    def delay_after(self, failures: int) -> int | None:
        """Seconds to wait after `failures` consecutive failures; None = until window end."""
        if failures >= self.max_consecutive_failures:
            return None
        if failures < self.free_failures:
            return 0
        step = failures - self.free_failures
        return min(self.max_delay_s, self.base_delay_s << min(step, 30))


class ProgressiveThrottle:
    """Counts consecutive failures per subject key and imposes the policy's waits."""

    def __init__(self, counters: CounterStore, clock: Clock, namespace: str) -> None:
        self._counters = counters
        self._clock = clock
        self._namespace = namespace

    def keys(self, subject: str) -> tuple[str, str]:
        """The subject's failure counter and wait set (for a combined read: `peek_guess`)."""
        return f"{self._namespace}:fail:{subject}", f"{self._namespace}:wait:{subject}"

    def wait_from(self, members: Mapping[str, float]) -> int:
        """`wait` from the wait set's members as `CounterStore.peek_guess` reads them."""
        until = members.get(_UNTIL)
        if until is None:
            return 0
        return max(1, ceil(until - self._clock.now().timestamp()))

    def _seconds_until(self, moment: datetime) -> int:
        return max(1, ceil((moment - self._clock.now()).total_seconds()))

    async def wait(self, subject: str) -> int:
        """Seconds the subject must still wait (0 = may try now)."""
        until = (await self._counters.members(self.keys(subject)[1])).get(_UNTIL)
        return self._seconds_until(until) if until is not None else 0

    async def record_failure(self, subject: str, policy: ProgressivePolicy) -> int:
        """Count one failure; returns the wait now imposed (0 = none)."""
        count_key, wait_key = self.keys(subject)
        failures = await self._counters.incr(count_key, window_s=policy.failure_window_s)
        delay = policy.delay_after(failures)
        if delay is None:
            ends = await self._counters.expires_at(count_key)
            delay = self._seconds_until(ends) if ends else policy.failure_window_s
        if delay:
            await self._counters.add_member(wait_key, _UNTIL, ttl_s=delay)
        return delay

    async def reset(self, subject: str) -> None:
        # One round trip: every successful client authentication ends here (BF-04), so on
        # Redis two deletes were two of the four commands a token request cost.
        await self._counters.reset(*self.keys(subject))
