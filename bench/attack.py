"""Credential-stuffing simulation against tier0's attack-protection policies.

Run: `python -m bench.attack` (add `--redis redis://127.0.0.1:6379/15` for shared counters).

Bounded and loopback-only: no network except an optional local Redis. It drives the same
objects the sign-in handler uses, in the same order (rate limit, suspicious IP, brute force,
then the password hash, then recording the outcome), for 20,000 stuffing attempts over 2,000
accounts from 50 IPs behind a trusted proxy (each request also carries a forged leftmost
X-Forwarded-For hop), interleaved with legitimate sign-ins from their own addresses. Time is a
FrozenClock advanced per request (20,000 attempts over one simulated hour), so the run is
deterministic; the p99 is wall time of the protection checks per legitimate sign-in.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
from dataclasses import dataclass, field

from tier0.cache.counters import CounterStore
from tier0.cache.memory import MemoryCounterStore
from tier0.cache.redis import RedisCounterStore
from tier0.clock import FrozenClock
from tier0.protection.brute_force import BruteForceProtection
from tier0.protection.client_ip import TrustedProxies
from tier0.protection.keys import KeyHasher
from tier0.protection.rate_limits import EndpointClass, RateLimiter, RateLimitKeys
from tier0.protection.suspicious_ip import SuspiciousIpThrottle

TENANT = "bench"
PROXY = "10.0.0.2"


@dataclass
class Stats:
    attack_attempts: int = 0
    attack_refused: int = 0
    attack_hashed: int = 0
    first_refusal_at: int | None = None
    after_threshold: int = 0
    after_threshold_refused: int = 0
    legit_attempts: int = 0
    legit_ok: int = 0
    legit_ok_after_wait: int = 0
    stuffing_signals: int = 0
    legit_latency_ms: list[float] = field(default_factory=list)


class Guard:
    """The sign-in handler's protection steps, minus HTTP and the password store."""

    def __init__(self, store: CounterStore, clock: FrozenClock) -> None:
        hasher = KeyHasher(secrets.token_bytes(32))
        self.proxies = TrustedProxies(["10.0.0.0/8"])
        self.limits = RateLimiter(store, clock, hasher)
        self.brute_force = BruteForceProtection(store, clock, hasher)
        self.suspicious = SuspiciousIpThrottle(store, clock, hasher)

    async def attempt(self, peer: str, xff: str, user: str, correct: bool) -> tuple[bool, int, int]:
        """(signed in, retry_after if refused before hashing, stuffing signals)."""
        ip = self.proxies.client_ip(peer, {"x-forwarded-for": xff})
        decision = await self.limits.hit(EndpointClass.LOGIN, RateLimitKeys(TENANT, ip, None, user))
        if not decision.allowed:
            return False, decision.retry_after, 0
        throttle = await self.suspicious.check_login(TENANT, ip)
        if throttle.throttled:
            return False, throttle.retry_after, 0
        verdict = await self.brute_force.check(TENANT, user, ip)
        if not verdict.allowed:
            return False, verdict.retry_after, 0
        # The password hash would be computed here.
        if correct:
            await self.brute_force.record_success(TENANT, user, ip)
            await self.suspicious.record_login_success(TENANT, ip)
            return True, 0, 0
        await self.brute_force.record_failure(TENANT, user, ip)
        outcome = await self.suspicious.record_login_failure(TENANT, ip, user)
        return False, -1, len(outcome.stuffing)  # -1: refused after hashing


async def run(store: CounterStore, clock: FrozenClock, seed: int) -> Stats:
    rng = random.Random(seed)  # not a secret: reproducible simulation input
    guard = Guard(store, clock)
    accounts = [f"user{i}@example.test" for i in range(2000)]
    attackers = [f"198.51.100.{i}" for i in range(1, 51)]
    engaged: set[str] = set()  # IPs already refused once: their threshold is behind them
    stats = Stats()
    step = 3600 / 21000
    for n in range(20000):
        ip = attackers[n % 50]
        forged = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.1"
        past_threshold = ip in engaged
        _, wait, signals = await guard.attempt(
            PROXY, f"{forged}, {ip}", rng.choice(accounts), False
        )
        stats.attack_attempts += 1
        stats.stuffing_signals += signals
        if wait >= 0:
            stats.attack_refused += 1
            stats.first_refusal_at = stats.first_refusal_at or n + 1
            engaged.add(ip)
        else:
            stats.attack_hashed += 1
        if past_threshold:
            stats.after_threshold += 1
            stats.after_threshold_refused += wait >= 0
        clock.advance(step)
        if n % 20 == 0:
            await legit_sign_in(guard, clock, stats, rng.choice(accounts), n)
            clock.advance(step)
    return stats


async def legit_sign_in(guard: Guard, clock: FrozenClock, stats: Stats, user: str, n: int) -> None:
    peer = f"100.64.{n // 250 % 256}.{n % 250 + 1}"
    started = time.perf_counter()
    ok, wait, _ = await guard.attempt(peer, "", user, True)
    stats.legit_latency_ms.append((time.perf_counter() - started) * 1000)
    stats.legit_attempts += 1
    if ok:
        stats.legit_ok += 1
    elif wait > 0 and wait <= 60:  # a person waits a minute and tries again
        ok, _, _ = await guard.attempt(peer, "", user, True)
        stats.legit_ok_after_wait += ok


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f} %" if whole else "n/a"


def report(stats: Stats) -> str:
    lat = sorted(stats.legit_latency_ms)
    p50 = lat[len(lat) // 2] if lat else 0.0
    p99 = lat[int(len(lat) * 0.99) - 1] if lat else 0.0
    legit_eventually = stats.legit_ok + stats.legit_ok_after_wait
    return "\n".join(
        [
            f"stuffing attempts            {stats.attack_attempts}",
            f"first refusal at attempt     {stats.first_refusal_at}",
            f"refused before hashing       {_pct(stats.attack_refused, stats.attack_attempts)}",
            f"after an IP's first refusal  {stats.after_threshold} attempts, "
            f"{_pct(stats.after_threshold_refused, stats.after_threshold)} refused before hashing",
            f"password hashes for attacker {stats.attack_hashed}",
            f"stuffing signals raised      {stats.stuffing_signals}",
            f"legitimate sign-ins          {stats.legit_attempts}: "
            f"{_pct(stats.legit_ok, stats.legit_attempts)} first try, "
            f"{_pct(legit_eventually, stats.legit_attempts)} within a minute",
            f"protection checks per legit  p50 {p50:.3f} ms, p99 {p99:.3f} ms",
        ]
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis", help="Redis URL (loopback) for shared counters")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    clock = FrozenClock()
    if args.redis:
        prefix = f"tier0bench:{secrets.token_hex(6)}:"
        store: CounterStore = RedisCounterStore.from_url(args.redis, clock, prefix=prefix)
    else:
        store = MemoryCounterStore(clock)
    stats = await run(store, clock, args.seed)
    print(report(stats))
    if isinstance(store, RedisCounterStore):
        await store.aclose()


if __name__ == "__main__":
    asyncio.run(main())
