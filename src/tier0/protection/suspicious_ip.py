"""Suspicious-IP throttling and the credential-stuffing signal (Auth0 semantics, BF-02).

Auth0 "suspicious IP throttling": each IP has a bucket of failed sign-ins across *all*
accounts (pre-login: 100, one regained every 864,000 ms, i.e. 100 a day) and a bucket of
sign-ups (pre-user-registration: 50, one regained every 1,200 ms; every sign-up counts,
whatever its outcome). An empty bucket means 429 for that IP on that stage while other IPs
are served normally. Allow-listed IPs/CIDRs are exempt. Buckets are per (tenant, IP).

Credential stuffing shows as many *distinct* identifiers failing from one source with a high
failure ratio. `record_login_failure` reports it once per window per source (IP, and client
when given); the caller turns it into a `security.credential_stuffing_suspected` event.
A flagged IP is also refused sign-ins for an hour: without that, the bucket's refill (one
attempt per 14.4 minutes) keeps a stuffing IP guessing a few times an hour, indefinitely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from math import ceil

from tier0.cache.counters import BucketState, CounterStore
from tier0.clock import Clock
from tier0.protection.keys import KeyHasher
from tier0.protection.networks import NetworkList, normalise_ip
from tier0.protection.refresh import Refreshable


@dataclass(frozen=True, slots=True)
class Stage:
    """A token bucket: `max_attempts` tokens, one regained every `rate_ms`."""

    max_attempts: int
    rate_ms: int

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.rate_ms < 1:
            raise ValueError("max_attempts and rate_ms must be positive")


@dataclass(frozen=True, slots=True)
class StuffingRule:
    """Raise the signal when, within `window_s`, at least `min_distinct` identifiers failed and
    failures are at least `min_failure_ratio` of all sign-ins from the source. A flagged IP is
    then refused sign-ins for `throttle_s` seconds (0: signal only). Clients are never
    throttled by this rule: that would lock out all of a client's users."""

    window_s: int = 3600
    min_distinct: int = 20
    min_failure_ratio: float = 0.8
    throttle_s: int = 3600


@dataclass(frozen=True, slots=True)
class SuspiciousIpPolicy:
    enabled: bool = True
    pre_login: Stage = Stage(100, 864_000)
    pre_user_registration: Stage = Stage(50, 1_200)
    allowlist: tuple[str, ...] = ()
    stuffing: StuffingRule = StuffingRule()
    shields: frozenset[str] = frozenset({"block"})
    allowed_networks: NetworkList = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.allowlist) > 100:
            raise ValueError("at most 100 allow-list entries (Auth0 limit)")
        if not self.shields <= {"block"}:
            raise ValueError("the only shield is 'block' (alerts come from the event stream)")
        object.__setattr__(self, "allowed_networks", NetworkList(self.allowlist))

    @property
    def active(self) -> bool:
        """Enabled with the `block` shield: only then is anything refused."""
        return self.enabled and "block" in self.shields


class StageName(StrEnum):
    PRE_LOGIN = "pre-login"
    PRE_USER_REGISTRATION = "pre-user-registration"


@dataclass(frozen=True, slots=True)
class Throttle:
    """`throttled` means answer 429 with `Retry-After: retry_after` (Auth0 log `limit_mu`)."""

    throttled: bool
    retry_after: int = 0
    remaining: int | None = None
    #: A refusal of the guess throttle (`tier0.protection.guessing`) that came from the
    #: source IP's bucket of failures (guessing across subjects), not only from the subject's
    #: wait: a caller reporting refusals keys its report by that IP then.
    by_ip: bool = False


@dataclass(frozen=True, slots=True)
class StuffingSignal:
    """A source that looks like credential stuffing. `source` is an IP or a client id."""

    kind: str  # "ip" | "client"
    source: str
    distinct_identifiers: int
    failures: int
    attempts: int


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    throttle: Throttle
    stuffing: tuple[StuffingSignal, ...] = ()


class SuspiciousIpThrottle(Refreshable):
    """Per-IP buckets for sign-in failures and sign-ups, plus stuffing detection."""

    def __init__(
        self,
        counters: CounterStore,
        clock: Clock,
        hasher: KeyHasher,
        *,
        default_policy: SuspiciousIpPolicy | None = None,
        policies: dict[str, SuspiciousIpPolicy] | None = None,
    ) -> None:
        self._counters = counters
        self._clock = clock
        self._hasher = hasher
        self._default = default_policy or SuspiciousIpPolicy()
        self._policies = dict(policies or {})

    def policy(self, tenant: str) -> SuspiciousIpPolicy:
        return self._policies.get(tenant, self._default)

    def set_policy(self, tenant: str, policy: SuspiciousIpPolicy) -> None:
        self._policies[tenant] = policy

    def forget_policy(self, tenant: str) -> None:
        """Back to the default policy (the stored one left the cache)."""
        self._policies.pop(tenant, None)

    async def _bucket(self, tenant: str, ip: str, stage: StageName, cost: int) -> Throttle:
        await self._refresh(tenant)
        policy = self.policy(tenant)
        if not policy.active or policy.allowed_networks.contains(ip):
            return Throttle(False)
        spec = policy.pre_login if stage is StageName.PRE_LOGIN else policy.pre_user_registration
        state: BucketState = await self._counters.take(
            f"sip:{stage.value}:{tenant}:{normalise_ip(ip)}",
            capacity=spec.max_attempts,
            refill_s=spec.rate_ms / 1000,
            cost=cost,
        )
        # Minus a millisecond of float tolerance so 864.0000001 s reads as 864.
        wait = ceil(state.retry_after_s - 1e-3) if not state.allowed else 0
        return Throttle(not state.allowed, max(wait, 1) if wait else 0, state.remaining)

    async def check_login(self, tenant: str, ip: str) -> Throttle:
        """Before a sign-in: is this IP out of failed attempts, or flagged for credential
        stuffing? Consumes nothing."""
        bucket = await self._bucket(tenant, ip, StageName.PRE_LOGIN, cost=0)
        if bucket.throttled or not self._flaggable(tenant, ip):
            return bucket
        flagged = (await self._counters.members(f"sip:stuffing:{tenant}")).get(normalise_ip(ip))
        if flagged is None:
            return bucket
        wait = max(1, ceil((flagged - self._clock.now()).total_seconds()))
        return Throttle(True, wait, bucket.remaining)

    def _flaggable(self, tenant: str, ip: str) -> bool:
        policy = self.policy(tenant)
        return policy.active and not policy.allowed_networks.contains(ip)

    async def hit_signup(self, tenant: str, ip: str) -> Throttle:
        """Count a sign-up attempt (any outcome) and say whether it may proceed."""
        return await self._bucket(tenant, ip, StageName.PRE_USER_REGISTRATION, cost=1)

    async def record_login_failure(
        self, tenant: str, ip: str, identifier: str, client_id: str | None = None
    ) -> FailureOutcome:
        """Spend one failed-sign-in token for the IP and update the stuffing statistics."""
        throttle = await self._bucket(tenant, ip, StageName.PRE_LOGIN, cost=1)
        signals = []
        for kind, source in self._sources(ip, client_id):
            signal = await self._observe(tenant, kind, source, identifier, failed=True)
            if signal is None:
                continue
            signals.append(signal)
            rule = self.policy(tenant).stuffing
            if kind == "ip" and rule.throttle_s and self._flaggable(tenant, ip):
                await self._counters.add_member(
                    f"sip:stuffing:{tenant}", source, ttl_s=rule.throttle_s
                )
        if throttle.throttled:
            return FailureOutcome(throttle, tuple(signals))
        return FailureOutcome(await self.check_login(tenant, ip), tuple(signals))

    async def record_login_success(
        self, tenant: str, ip: str, client_id: str | None = None
    ) -> None:
        """Successes only feed the failure ratio; they do not refill the bucket (Auth0)."""
        for kind, source in self._sources(ip, client_id):
            await self._observe(tenant, kind, source, None, failed=False)

    async def first_refusal(self, tenant: str, ip: str, wait: int, stage: StageName) -> bool:
        """True for the first refusal of this IP on `stage` within `wait` seconds: the caller
        writes `suspicious_ip.throttled` then, and only counts the later ones (one event per
        throttle, not an audit-log write per refused request)."""
        key = f"sip:reported:{stage.value}:{tenant}:{normalise_ip(ip)}"
        return await self._counters.incr(key, window_s=max(1, wait)) == 1

    async def unblock(self, tenant: str, ip: str) -> None:
        """Refill both buckets and lift a stuffing flag (`DELETE /anomaly/blocks/ips/{ip}`);
        the IP's next throttle is reported afresh."""
        for stage in StageName:
            await self._counters.reset(f"sip:{stage.value}:{tenant}:{normalise_ip(ip)}")
            await self._counters.reset(f"sip:reported:{stage.value}:{tenant}:{normalise_ip(ip)}")
        await self._counters.remove_member(f"sip:stuffing:{tenant}", normalise_ip(ip))

    async def is_throttled(self, tenant: str, ip: str) -> bool:
        """Auth0 `GET /anomaly/blocks/ips/{ip}`: throttled on any stage."""
        login = await self.check_login(tenant, ip)
        signup = await self._bucket(tenant, ip, StageName.PRE_USER_REGISTRATION, cost=0)
        return login.throttled or signup.throttled

    def _sources(self, ip: str, client_id: str | None) -> list[tuple[str, str]]:
        sources = [("ip", normalise_ip(ip))]
        if client_id:
            sources.append(("client", client_id))
        return sources

    async def _observe(
        self, tenant: str, kind: str, source: str, identifier: str | None, *, failed: bool
    ) -> StuffingSignal | None:
        rule = self.policy(tenant).stuffing
        label = source if kind == "ip" else self._hasher.identifier(tenant, source)
        base = f"cs:{tenant}:{kind}:{label}"
        window = rule.window_s
        attempts = await self._counters.incr(f"{base}:attempts", window_s=window)
        if not failed or identifier is None:
            return None
        failures = await self._counters.incr(f"{base}:failures", window_s=window)
        who = self._hasher.identifier(tenant, identifier)
        if await self._counters.incr(f"{base}:seen:{who}", window_s=window) == 1:
            distinct = await self._counters.incr(f"{base}:distinct", window_s=window)
        else:
            distinct = await self._counters.get(f"{base}:distinct")
        if distinct < rule.min_distinct or failures < rule.min_failure_ratio * attempts:
            return None
        if await self._counters.incr(f"{base}:reported", window_s=window) != 1:
            return None  # one signal per source per window
        return StuffingSignal(kind, source, distinct, failures, attempts)
