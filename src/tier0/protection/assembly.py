"""Builds every attack-protection part from `Settings` (called by the composition root)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from tier0.cache.counters import CounterStore
from tier0.cache.failover import FailoverCounterStore
from tier0.cache.memory import MemoryCounterStore
from tier0.cache.redis import RedisCounterStore
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.protection.brute_force import BruteForceProtection
from tier0.protection.client_ip import TrustedProxies
from tier0.protection.forget import forget_user_counters
from tier0.protection.guessing import GuessThrottle
from tier0.protection.keys import KeyHasher
from tier0.protection.rate_limits import RateLimiter
from tier0.protection.suspicious_ip import SuspiciousIpThrottle
from tier0.settings import Settings


@dataclass
class AttackProtection:
    """The counters and every policy that sits on them."""

    counters: CounterStore
    proxies: TrustedProxies
    rate_limiter: RateLimiter
    brute_force: BruteForceProtection
    suspicious_ip: SuspiciousIpThrottle
    guessing: GuessThrottle
    rate_limits_enabled: bool
    redis: RedisCounterStore | None = None
    key_hasher: KeyHasher | None = None

    async def forget_user(self, tenant: Tenant, identifiers: Iterable[str | None]) -> int:
        """Clear the counters an erased user left (DP-05); see :mod:`.forget`."""
        if self.key_hasher is None:
            return 0
        return await forget_user_counters(self.counters, self.key_hasher, tenant, identifiers)

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def build_attack_protection(settings: Settings, clock: Clock) -> AttackProtection:
    """Memory counters in embedded mode; Redis with an in-process fallback (AV-05) when
    `redis_url` is set."""
    memory = MemoryCounterStore(clock, max_keys=settings.counter_memory_max_keys)
    redis: RedisCounterStore | None = None
    counters: CounterStore = memory
    if settings.redis_url:
        redis = RedisCounterStore.from_url(settings.redis_url, clock)
        counters = FailoverCounterStore(redis, memory, clock)
    if settings.counter_key_secret is not None:
        secret = settings.counter_key_secret.get_secret_value().encode()
    else:
        # Embedded mode only (settings insist on a shared secret with Redis): the counters
        # live and die with this process, so a per-process key loses nothing.
        secret = secrets.token_bytes(32)
    hasher = KeyHasher(secret)
    return AttackProtection(
        counters=counters,
        proxies=TrustedProxies(settings.trusted_proxies, header=settings.forwarded_header),
        rate_limiter=RateLimiter(counters, clock, hasher, overrides=settings.rate_limit_overrides),
        brute_force=BruteForceProtection(counters, clock, hasher),
        suspicious_ip=SuspiciousIpThrottle(counters, clock, hasher),
        guessing=GuessThrottle(counters, clock, hasher),
        rate_limits_enabled=settings.rate_limits_enabled,
        redis=redis,
        key_hasher=hasher,
    )
