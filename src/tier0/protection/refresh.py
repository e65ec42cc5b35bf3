"""How policies stored per tenant reach the limiters that enforce them.

The limiters keep their policies in memory and look them up synchronously (a dictionary read
per check). Whoever owns the stored policies (`tier0.services.protection_policies`) installs a
`refresher` on each limiter; the limiter awaits it with the tenant's name before it consults
a policy, and the refresher pushes a newer policy in when its cached copy has gone stale.
Without a refresher (unit tests, benchmarks) the in-memory policies are all there is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Refresher = Callable[[str], Awaitable[None]]
#: `fresh(tenant, now)`: True while the cached policy needs no look (epoch seconds of the
#: limiter's clock). Lets a per-request caller skip the refresher's coroutine.
FreshCheck = Callable[[str, float], bool]
#: `fresh_until(tenant)`: the epoch second until which `fresh` answers True without a look
#: (0 when the tenant has no cached policy), for callers that remember a check that long.
FreshUntil = Callable[[str], float]


class Refreshable:
    """Mixin: `await self._refresh(tenant)` before reading a tenant's policy."""

    refresher: Refresher | None = None
    fresh: FreshCheck | None = None
    fresh_until: FreshUntil | None = None

    async def _refresh(self, tenant: str) -> None:
        if self.refresher is not None:
            await self.refresher(tenant)
