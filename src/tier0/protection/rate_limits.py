"""Request rate limits per endpoint class (AV-01, BF-02).

Each endpoint class has limits per scope: per client IP, per OAuth client, per tenant and per
(tenant, user). The tenant scope is what keeps one tenant's flood from starving the others
(AV-01): every tenant has its own buckets, so tenant A at its ceiling leaves tenant B's
untouched. Scopes are checked narrowest first and the check stops at the first refusal, so a
single noisy IP or client is cut off before it drains its tenant's shared budget.

Limits are `limits` library items (its notation, window lengths and key layout) counted as
fixed windows on our `CounterStore`: memory in embedded mode, Redis in scale-out mode, process
memory with `degraded=True` when Redis is down (AV-05). All of a request's windows are counted
in one atomic `hit_windows` call (one Redis round trip) rather than through `limits.aio`'s
strategy, which costs three storage calls per limit: nine round trips for a token request.
Defaults (`DEFAULT_LIMITS`) take Auth0's published figures as a guide; docs/rate-limits.md
lists them. Every tenant can override any cell, or switch it off with None.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from math import ceil

from limits import RateLimitItem, parse_many

from tier0.cache.counters import CounterStore, WindowCount, WindowHit, is_degraded
from tier0.cache.leases import LeaseHolder
from tier0.cache.memory import MemoryCounterStore
from tier0.clock import Clock, epoch_reader
from tier0.protection.keys import KeyHasher
from tier0.protection.rate_limit_fast import CheckKey, CompiledChecks, CompiledLeases
from tier0.protection.refresh import Refreshable


class EndpointClass(StrEnum):
    AUTHORIZE = "authorize"
    LOGIN = "login"
    TOKEN = "token"  # noqa: S105 - an endpoint name, not a secret
    USERINFO = "userinfo"
    INTROSPECT_REVOKE = "introspect_revoke"
    MANAGEMENT = "management"
    SIGNUP = "signup"
    RESET = "reset"
    MFA = "mfa"
    JWKS = "jwks"


class Scope(StrEnum):
    """What a limit is counted per. Declared narrowest first: the order checks run in."""

    USER = "user"  # per (tenant, user identifier)
    IP = "ip"  # per (tenant, client IP)
    CLIENT = "client"  # per (tenant, OAuth client_id)
    TENANT = "tenant"


LimitTable = Mapping[EndpointClass, Mapping[Scope, str | None]]
#: What the HTTP edge counts before any handler runs; handlers count the user (and a client
#: id sent in the body) themselves.
EDGE_SCOPES = frozenset({Scope.IP, Scope.CLIENT, Scope.TENANT})

E, S = EndpointClass, Scope
#: Defaults in `limits` notation ("300/minute", several joined with ";").
DEFAULT_LIMITS: LimitTable = {
    E.AUTHORIZE: {S.IP: "300/minute", S.TENANT: "6000/minute"},
    E.LOGIN: {S.USER: "20/minute", S.IP: "60/minute", S.TENANT: "3000/minute"},
    E.TOKEN: {S.IP: "600/minute", S.CLIENT: "30/second", S.TENANT: "6000/minute"},
    E.USERINFO: {S.USER: "10/minute", S.IP: "300/minute", S.TENANT: "6000/minute"},
    E.INTROSPECT_REVOKE: {S.IP: "300/minute", S.CLIENT: "30/second", S.TENANT: "6000/minute"},
    E.MANAGEMENT: {S.IP: "600/minute", S.CLIENT: "2/second;120/minute", S.TENANT: "1200/minute"},
    E.SIGNUP: {S.IP: "50/minute", S.TENANT: "1000/minute"},
    E.RESET: {S.USER: "10/hour", S.IP: "10/minute", S.TENANT: "600/minute"},
    E.MFA: {S.USER: "10/minute", S.IP: "60/minute", S.TENANT: "3000/minute"},
    E.JWKS: {S.IP: "20/second", S.TENANT: "12000/minute"},
}
del E, S


_Step = tuple["Scope", int, WindowHit]  # scope, limit, the window to count
_Plan = tuple[tuple[_Step, ...], list[WindowHit]]  # the steps, and their windows as one list
_NO_ROW: Mapping[Scope, list[RateLimitItem]] = {}
_MAX_PLANS = 10_000  # remembered request plans; a flood of new IPs only recycles them
#: Shared (Redis) windows may be leased in blocks (tier0.cache.leases), so most requests
#: count in process: 1/16 of the limit, at most 256. A node then refuses early by at most
#: what the other nodes hold unused. Limits under 32 (`30/second` per client on the token
#: endpoint) would get blocks of one, i.e. a round trip per request: they lease a quarter of
#: the limit, at most 8 (Redis also grants at most a quarter of what is left, so the last
#: counts of a window go one by one). Limits under 8 stay exact, and so does the per-user
#: scope (sign-in, reset and MFA identifiers, where a guess more or less matters).
LEASE_DIVISOR = 16
LEASE_MAX = 256
NARROW_LEASE_DIVISOR = 4
NARROW_LEASE_MAX = 8


def _lease(scope: Scope, limit: int) -> int:
    if scope is Scope.USER:
        return 0
    lease = min(limit // LEASE_DIVISOR, LEASE_MAX)
    if lease < 2:
        lease = min(limit // NARROW_LEASE_DIVISOR, NARROW_LEASE_MAX)
    return lease if lease >= 2 else 0


@dataclass(frozen=True, slots=True)
class RateLimitKeys:
    """Who is asking. Scopes whose key is None are not checked for this request."""

    tenant: str
    ip: str | None = None
    client_id: str | None = None
    user: str | None = None


@dataclass(slots=True)
class Decision:
    """Outcome of one request's rate-limit check (read-only by convention: one is built per
    request, and a frozen dataclass of this size costs four times as much to build).

    `limit`/`remaining`/`reset_at` describe the tightest limit that applied (None when no limit
    applied); `ends_at` is `reset_at` as epoch seconds. `retry_after` is whole seconds, 0 when
    allowed. `scope` names the limit that refused and `key` is its counter key (identifiers
    pseudonymised). `degraded` is True when counters ran in process because Redis was
    unreachable.
    """

    allowed: bool
    limit: int | None = None
    remaining: int | None = None
    ends_at: float | None = None
    retry_after: int = 0
    scope: Scope | None = None
    degraded: bool = False
    key: str | None = None

    @property
    def reset_at(self) -> datetime | None:
        return None if self.ends_at is None else datetime.fromtimestamp(self.ends_at, UTC)


def parse_table(table: LimitTable) -> dict[EndpointClass, dict[Scope, list[RateLimitItem]]]:
    """Parse limit strings once; raises ValueError naming the bad cell."""
    parsed: dict[EndpointClass, dict[Scope, list[RateLimitItem]]] = {}
    for endpoint, cells in table.items():
        row: dict[Scope, list[RateLimitItem]] = {}
        for scope, text in cells.items():
            if text is None:
                continue
            try:
                items = parse_many(text)
            except ValueError as exc:
                raise ValueError(f"bad rate limit for {endpoint}/{scope}: {text!r}") from exc
            for item in items:
                item.namespace = "rl"
            row[Scope(scope)] = items
        parsed[EndpointClass(endpoint)] = row
    return parsed


class RateLimiter(Refreshable):
    """Checks and counts requests against the limit table of their tenant."""

    def __init__(
        self,
        counters: CounterStore,
        clock: Clock,
        hasher: KeyHasher,
        *,
        defaults: LimitTable = DEFAULT_LIMITS,
        overrides: Mapping[str, LimitTable] | None = None,
        leases: bool = True,
    ) -> None:
        #: Let shared counters lease blocks of wide windows (`LEASE_DIVISOR`); False keeps
        #: every window exact (one round trip per request, coalesced under concurrency).
        self.leases = leases
        self._counters = counters
        self._clock = clock
        self._time = epoch_reader(clock)
        #: Embedded mode counts synchronously at the one clock read of the request.
        self._memory = counters if isinstance(counters, MemoryCounterStore) else None
        #: Embedded mode: the edge's allowed requests counted in one call (rate_limit_fast).
        self.compiled: CompiledChecks | CompiledLeases | None = None
        if self._memory is not None:
            self.compiled = CompiledChecks(self._memory, self._time)
        elif isinstance(counters, LeaseHolder):
            self.compiled = CompiledLeases(counters, self._time)
        self._hasher = hasher
        self._defaults = dict(defaults)
        self._tables: dict[str, dict[EndpointClass, dict[Scope, list[RateLimitItem]]]] = {}
        self._plans: dict[
            tuple[str, str | None, str | None, EndpointClass, frozenset[Scope] | None],
            tuple[Mapping[Scope, list[RateLimitItem]], _Plan],
        ] = {}
        self._default_table = parse_table(self._defaults)
        for tenant, table in (overrides or {}).items():
            self.set_tenant_overrides(tenant, table)

    def set_tenant_overrides(self, tenant: str, table: LimitTable) -> None:
        """Replace the tenant's overrides; cells not named keep the defaults."""
        merged = {endpoint: dict(cells) for endpoint, cells in self._defaults.items()}
        for endpoint, cells in table.items():
            merged.setdefault(EndpointClass(endpoint), {}).update(cells)
        self._tables[tenant] = parse_table(merged)
        self.forget_compiled(tenant)

    def clear_tenant_overrides(self, tenant: str) -> None:
        """Back to the default table."""
        self._tables.pop(tenant, None)
        self.forget_compiled(tenant)

    def forget_compiled(self, tenant: str) -> None:
        """The tenant's table or policy changed: its compiled edge checks no longer hold."""
        if self.compiled is not None:
            self.compiled.forget(tenant)

    @property
    def defaults(self) -> LimitTable:
        return self._defaults

    def limits_for(self, tenant: str, endpoint: EndpointClass) -> Mapping[Scope, list[str]]:
        """The effective limits, as strings (management API, docs)."""
        row = self._tables.get(tenant, self._default_table).get(endpoint, {})
        return {scope: [str(item) for item in items] for scope, items in row.items()}

    def _identifiers(self, scope: Scope, keys: RateLimitKeys) -> tuple[str, ...] | None:
        if scope is Scope.TENANT:
            return (keys.tenant,)
        if scope is Scope.IP:
            return (keys.tenant, self._hasher.ip(keys.ip)) if keys.ip else None
        if scope is Scope.CLIENT:
            return (
                (keys.tenant, self._hasher.identifier(keys.tenant, keys.client_id))
                if keys.client_id
                else None
            )
        return (keys.tenant, self._hasher.identifier(keys.tenant, keys.user)) if keys.user else None

    def _plan(
        self,
        endpoint: EndpointClass,
        tenant: str,
        ip: str | None,
        client_id: str | None,
        user: str | None,
        only: frozenset[Scope] | None,
    ) -> _Plan:
        """The windows one request counts, narrowest scope first.

        Remembered per (who, endpoint, scopes) for as long as the tenant's table is the same
        object: building keys (IP parsing, keyed hashes of identifiers, the `limits` key
        layout) costs more than counting in memory, and the same clients come back. Plans
        naming a user are not kept."""
        row = self._tables.get(tenant, self._default_table).get(endpoint, _NO_ROW)
        cache_key = (tenant, ip, client_id, endpoint, only)
        if user is None:
            cached = self._plans.get(cache_key)
            if cached is not None and cached[0] is row:
                return cached[1]
        keys = RateLimitKeys(tenant, ip, client_id, user)
        steps: list[_Step] = []
        for scope in Scope:
            if only is not None and scope not in only:
                continue
            ids = self._identifiers(scope, keys)
            if ids is None:
                continue
            for item in row.get(scope, ()):
                key = item.key_for(endpoint.value, scope.value, *ids)
                lease = _lease(scope, item.amount) if self.leases else 0
                hit = WindowHit(key, item.get_expiry(), item.amount, lease)
                steps.append((scope, item.amount, hit))
        plan = (tuple(steps), [step[2] for step in steps])
        if user is not None:
            return plan  # sign-in identifiers are personal data: never kept in memory
        if len(self._plans) >= _MAX_PLANS:
            del self._plans[next(iter(self._plans))]  # oldest first (insertion order)
        self._plans[cache_key] = (row, plan)
        return plan

    async def hit(
        self,
        endpoint: EndpointClass,
        keys: RateLimitKeys,
        *,
        only: Collection[Scope] | None = None,
    ) -> Decision:
        """Count one request and decide. Refusals do not count against wider scopes.

        `only` restricts the check to some scopes: the HTTP middleware counts IP, client and
        tenant; a handler that learns the user (or a client id from the body) later counts
        just that scope, so no request is counted twice. The answer describes the refusing
        limit, or else the one with the fewest requests left (the first on a tie).
        """
        scopes = None if only is None else frozenset(only)
        return await self.count(endpoint, keys.tenant, keys.ip, keys.client_id, keys.user, scopes)

    def count_now(
        self,
        endpoint: EndpointClass,
        tenant: str,
        ip: str | None,
        client_id: str | None,
        only: frozenset[Scope] | None,
    ) -> Decision | None:
        """`count` without a coroutine, when it needs no await: memory counters and a fresh
        policy (the edge's case on nearly every embedded-mode request). None: call `count`."""
        memory = self._memory
        if memory is None:
            return None
        now = self._time()
        if self.refresher is not None and (self.fresh is None or not self.fresh(tenant, now)):
            return None
        steps, hits = self._plan(endpoint, tenant, ip, client_id, None, only)
        if not steps:
            decision, windows = Decision(True), []
        else:
            windows = memory.hit_windows_now(hits, now)
            decision = self._decide(steps, windows, False)
        if decision.allowed and only == EDGE_SCOPES and self.compiled is not None:
            self._compile(tenant, (endpoint, ip, client_id), steps, hits, windows)
        return decision

    def _compile(
        self,
        tenant: str,
        key: CheckKey,
        steps: tuple[_Step, ...],
        hits: list[WindowHit],
        windows: list[WindowCount],
    ) -> None:
        """Let the edge count this caller's next requests in one call (rate_limit_fast),
        for as long as the windows and the tenant's policy stay as they are."""
        if self.refresher is None:
            until = float("inf")  # no policy owner: the table changes only by a call here
        elif self.fresh_until is not None:
            until = self.fresh_until(tenant)
        else:
            return  # a refresher that cannot say for how long: look every time
        if self.compiled is not None:
            limits = [step[1] for step in steps]
            self.compiled.compile(tenant, key, limits, hits, windows, until)

    async def count(
        self,
        endpoint: EndpointClass,
        tenant: str,
        ip: str | None,
        client_id: str | None,
        user: str | None,
        only: frozenset[Scope] | None,
    ) -> Decision:
        """`hit` without building a `RateLimitKeys` (the edge calls this per request).

        One clock read serves the policy freshness check and, in embedded mode, the counting
        (`MemoryCounterStore.hit_windows_now`: no coroutine, no copies)."""
        now = self._time()
        if self.refresher is not None and (self.fresh is None or not self.fresh(tenant, now)):
            await self.refresher(tenant)
        steps, hits = self._plan(endpoint, tenant, ip, client_id, user, only)
        memory = self._memory
        if memory is not None:  # live windows: `_decide` reads them before any await
            counts = memory.hit_windows_now(hits, now)
            return self._decide(steps, counts, False) if steps else Decision(True)
        table = self._tables.get(tenant)  # a change during the await must not be compiled over
        counts = await self._counters.hit_windows(hits) if steps else []
        decision = self._decide(steps, counts, is_degraded(self._counters))
        if decision.allowed and only == EDGE_SCOPES and self._tables.get(tenant) is table:
            self._compile(tenant, (endpoint, ip, client_id), steps, hits, counts)
        return decision

    def _decide(
        self, steps: tuple[_Step, ...], counts: list[WindowCount], degraded: bool
    ) -> Decision:
        """The refusing window, or else the one with the fewest requests left (the first on
        a tie)."""
        best = -1
        best_left = 0
        for i, count in enumerate(counts):
            left = steps[i][1] - count.count
            if left < 0:
                return self._decision(steps[i], count, degraded)
            if best < 0 or left < best_left:
                best, best_left = i, left
        if best < 0:
            return Decision(True, degraded=degraded)
        return self._decision(steps[best], counts[best], degraded)

    def _decision(self, step: _Step, count: WindowCount, degraded: bool) -> Decision:
        scope, amount, hit = step
        ends = count.ends_at
        if count.count <= amount:
            return Decision(True, amount, amount - count.count, ends, 0, scope, degraded, hit.key)
        wait = max(1, ceil(ends - self._time()))
        return Decision(False, amount, 0, ends, wait, scope, degraded, hit.key)
