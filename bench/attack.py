"""Credential-stuffing simulation against the shipped sign-in path (issue 5).

Run: `python -m bench.attack` (part of `make bench`; `--redis redis://127.0.0.1:6379/15`
for shared counters). Bounded and loopback-only: the real app (`create_app` over a real
`Container` on a temporary SQLite data directory) is driven over HTTP in process
(`httpx.ASGITransport`), so no socket is opened except an optional local Redis.

Every request comes from the trusted load balancer (peer 10.0.0.2) and carries the client in
`X-Forwarded-For`. The attacker: 20,000 sign-ins over 2,000 accounts from 50 IPs in turn, each
request with a forged leftmost hop (a random address the proxy would have appended to), each
IP a browser of its own that fetches the sign-in form through `GET /authorize` with PKCE and
posts it (a new form every 5 simulated minutes: they live 10). Every 20th attempt, a
legitimate user signs in with the right password from an address of their own (a new browser:
`GET /authorize`, the form, `POST`, expecting the 303 to the callback with a code). A user
refused with 429 tries once more after `Retry-After` (or a minute without one), while the
attack goes on; "within a minute" counts those who got in at the first or that second try.

Time is a `FrozenClock` advanced per request: 21,000 sign-ins over one simulated hour, so the
run is deterministic up to wall-clock figures. Password hashes are real bcrypt, at cost 4 by
default (`--cost`; production's default is 10) so the run takes about a minute on one core:
the cost changes how long a hash takes, not how many are computed, and the count is the
figure of merit. It is measured, not inferred: every call into bcrypt through the
container's password hasher is counted, and each request's hashes are attributed to it
(requests run one at a time). The p99 is the wall time of a legitimate sign-in through HTTP
(both requests) on this machine, with hashes at the simulation's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import httpx

from bench.attack_world import (
    CALLBACK,
    PASSWORD,
    SignInForm,
    World,
    build,
    percentile,
    post_sign_in,
    sign_in_form,
)
from tier0.audit.events import EventType
from tier0.clock import FrozenClock

FORM_AGE_S = 300  # the attacker's tools fetch a new form this often (the form lives 600 s)
HOUR_S = 3600
RETRY_WITHIN_S = 60


@dataclass
class Attacker:
    ip: str
    http: httpx.AsyncClient
    form: SignInForm | None = None
    fetched_at: float = 0.0
    attempts: int = 0
    engaged_after: int | None = None  # this IP's attempts before its first refusal


@dataclass
class Stats:
    attempts: int = 0
    refused: int = 0  # answered 429
    unhashed: int = 0  # no password hash computed while answering
    hashes: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    first_refusal_at: int | None = None
    after: int = 0  # attempts from an IP after its first refusal
    after_unhashed: int = 0
    forms: int = 0
    legit: int = 0
    legit_first_try: int = 0
    legit_on_retry: int = 0
    legit_refusals: Counter[str] = field(default_factory=Counter)
    legit_hashes: int = 0
    legit_ms: list[float] = field(default_factory=list)


@dataclass(order=True)
class Retry:
    due: float
    email: str = field(compare=False)
    ip: str = field(compare=False)


class Simulation:
    def __init__(self, world: World, clock: FrozenClock, args: argparse.Namespace) -> None:
        self.world, self.clock, self.args = world, clock, args
        self.rng = random.Random(args.seed)  # not a secret: reproducible simulation input
        self.stats = Stats()
        self.retries: list[Retry] = []
        legit_total = args.attempts // args.legit_every
        self.step = HOUR_S / (args.attempts + legit_total)
        self.attackers = [Attacker(f"198.51.100.{i + 1}", world.browser()) for i in range(args.ips)]

    def now(self) -> float:
        return self.clock.now().timestamp()

    async def run(self) -> Stats:
        for n in range(self.args.attempts):
            await self._due_retries()
            await self.attack(self.attackers[n % len(self.attackers)])
            self.clock.advance(self.step)
            if n % self.args.legit_every == 0:
                await self.legit(self.stats.legit)
                self.clock.advance(self.step)
        for attacker in self.attackers:
            await attacker.http.aclose()
        return self.stats

    async def attack(self, attacker: Attacker) -> None:
        s = self.stats
        forged = ".".join(str(self.rng.randrange(1, 224 if i == 0 else 256)) for i in range(4))
        xff = f"{forged}, {attacker.ip}"  # the proxy appended the real peer
        if attacker.form is None or self.now() - attacker.fetched_at >= FORM_AGE_S:
            attacker.form = await sign_in_form(attacker.http, self.world, xff)
            attacker.fetched_at = self.now()
            s.forms += 1
        before = self.world.hashes.calls
        guess = secrets.token_urlsafe(12)
        email = self.rng.choice(self.world.accounts)
        answer = await post_sign_in(attacker.http, attacker.form, xff, email, guess)
        hashed = self.world.hashes.calls - before
        s.attempts += 1
        attacker.attempts += 1
        s.hashes += hashed
        s.unhashed += hashed == 0
        s.statuses[answer.status_code] += 1
        if attacker.engaged_after is not None:
            s.after += 1
            s.after_unhashed += hashed == 0
        if answer.status_code == 429:
            s.refused += 1
            s.first_refusal_at = s.first_refusal_at or s.attempts
            if attacker.engaged_after is None:
                attacker.engaged_after = attacker.attempts - 1
        elif answer.status_code != 400:
            attacker.form = None  # e.g. an expired form: fetch a new one next time

    async def legit(self, k: int) -> None:
        ip = f"100.64.{k // 250 % 256}.{k % 250 + 1}"
        email = self.rng.choice(self.world.accounts)
        self.stats.legit += 1
        wait = await self._legit_sign_in(email, ip)
        if wait is None:
            self.stats.legit_first_try += 1
        elif wait <= RETRY_WITHIN_S:
            self.retries.append(Retry(self.now() + wait, email, ip))
            self.retries.sort()

    async def _due_retries(self) -> None:
        while self.retries and self.retries[0].due <= self.now():
            retry = self.retries.pop(0)
            if await self._legit_sign_in(retry.email, retry.ip) is None:
                self.stats.legit_on_retry += 1

    async def _legit_sign_in(self, email: str, ip: str) -> int | None:
        """None when signed in, else the seconds to wait before trying again (a refusal
        without `Retry-After` reads as a minute; anything but 429 as "do not retry")."""
        s = self.stats
        before = self.world.hashes.calls
        started = time.perf_counter()
        async with self.world.browser() as http:
            form = await sign_in_form(http, self.world, ip)
            answer = await post_sign_in(http, form, ip, email, PASSWORD)
        s.legit_ms.append((time.perf_counter() - started) * 1000)
        s.legit_hashes += self.world.hashes.calls - before
        location = answer.headers.get("location", "")
        if answer.status_code == 303 and location.startswith(CALLBACK) and "code=" in location:
            return None
        retry_after = answer.headers.get("retry-after")
        s.legit_refusals[f"{answer.status_code} retry-after={retry_after}"] += 1
        if answer.status_code != 429:
            return RETRY_WITHIN_S + 1
        return int(retry_after) if retry_after and retry_after.isdigit() else RETRY_WITHIN_S


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f} %" if whole else "n/a"


async def report(world: World, sim: Simulation, args: argparse.Namespace, wall: float) -> str:
    s = sim.stats
    engaged = [a.engaged_after for a in sim.attackers if a.engaged_after is not None]
    stuffing = await world.events(EventType.SECURITY_CREDENTIAL_STUFFING_SUSPECTED)
    throttled = await world.events(EventType.SUSPICIOUS_IP_THROTTLED)
    blocked = await world.events(EventType.BRUTE_FORCE_BLOCKED)
    rate_limited = await world.events(EventType.USER_LOGIN_RATE_LIMITED)
    within = s.legit_first_try + s.legit_on_retry
    per_ip = f"; per IP, after a median {median(engaged):.0f} of its attempts" if engaged else ""
    refusals = ", ".join(f"{k}: {v}" for k, v in s.legit_refusals.most_common()) or "none"
    store = f"Redis {args.redis}" if args.redis else "in-process memory"
    return "\n".join(
        [
            f"bench.attack: {args.attempts} stuffing attempts over {args.accounts} accounts from "
            f"{args.ips} IPs + {s.legit} legitimate sign-ins, one simulated hour, through "
            f"HTTP (real app, SQLite, counters in {store}), bcrypt cost {args.cost} "
            f"(TIER0_BCRYPT_COST for the simulation; production default 10)",
            f"first refusal (blocking engaged) at attempt  {s.first_refusal_at}{per_ip}",
            f"attempts refused (429)                       {_pct(s.refused, s.attempts)}",
            f"refused before any password hash             {_pct(s.unhashed, s.attempts)} overall; "
            f"{_pct(s.after_unhashed, s.after)} of the {s.after} attempts after an IP's "
            f"first refusal",
            f"password hashes computed for the attacker    {s.hashes} "
            f"(answers: {dict(sorted(s.statuses.items()))}; {s.forms} sign-in forms fetched)",
            f"audit events                                 "
            f"security.credential_stuffing_suspected {stuffing}, suspicious_ip.throttled "
            f"{throttled}, brute_force.blocked {blocked}, user.login.rate_limited {rate_limited}",
            f"legitimate sign-ins                          {s.legit}: "
            f"{_pct(s.legit_first_try, s.legit)} first try, {_pct(within, s.legit)} within a "
            f"minute; refusals: {refusals}; {s.legit_hashes} hashes",
            f"legitimate sign-in wall time (GET + POST)    p50 {median(s.legit_ms):.1f} ms, "
            f"p99 {percentile(s.legit_ms, 0.99):.1f} ms",
            f"run                                          {wall:.1f} s wall",
        ]
    )


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", help="Redis URL (loopback) for shared counters")
    parser.add_argument("--attempts", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--ips", type=int, default=50)
    parser.add_argument("--legit-every", type=int, default=20, help="attempts per legit sign-in")
    parser.add_argument("--cost", type=int, default=4, help="bcrypt cost of the simulation")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


async def main() -> None:
    args = _options()
    clock = FrozenClock()
    with tempfile.TemporaryDirectory(prefix="tier0-attack-") as tmp:
        world = await build(
            Path(tmp) / "data", clock, accounts=args.accounts, cost=args.cost, redis_url=args.redis
        )
        try:
            started = time.perf_counter()
            sim = Simulation(world, clock, args)
            await sim.run()
            print(await report(world, sim, args, time.perf_counter() - started), flush=True)
        finally:
            await world.close()


if __name__ == "__main__":
    asyncio.run(main())
