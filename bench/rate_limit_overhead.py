"""Cost of the rate-limit check on client-credentials requests (issue target: ≤ 5 %).

In-process and partial: the faithful figure is the side-by-side server run,
`BENCH_RATE_LIMITS=ab python -m bench tokens` (bench/tokens.py). This one isolates the
middleware (a tight loop keeps its code hot, so it reads low: 6-7 µs here against about
20-25 µs measured inside the serving process) and the Redis round-trip modes.

Run: `python -m bench.rate_limit_overhead [--requests 600] [--concurrency 1] [--redis URL]
[--exact]`. `--concurrency N` keeps N requests in flight per mode (coalesced Redis checks share
round trips); `--exact` switches leases off, so every shared window is counted in Redis.

One real container (SQLite in a temporary directory) with a tenant, an API and an M2M client,
served by two apps over the same container: one with rate limits on (limits high enough never
to refuse), one with them off. Requests alternate between the two, so both see the same
machine load, and the medians are compared. Wall-clock medians on a shared machine mostly
measure its load, so the process CPU time per request (client and server run in this one
process; the client's share is the same in both modes) is reported too: throughput on a busy
core goes as its inverse, which makes it the measure of the issue's "≤ 5 % of
client-credentials throughput" target. Also prints the cost of one limiter check alone, and
of the rate-limit middleware alone (on and off, over an app that answers at once): the
steadiest figure of the check's cost on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import structlog
from starlette.types import Message, Receive, Send
from starlette.types import Scope as AsgiScope
from tests.flows.oauth_helpers import World, make_world

from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.protection.documents import RateLimitsUpdate
from tier0.protection.rate_limits import EndpointClass, RateLimitKeys, Scope
from tier0.settings import Settings
from tier0.web.app import create_app
from tier0.web.asgi import settle_heap
from tier0.web.rate_limit import RateLimitMiddleware

HIGH = "1000000/minute"


async def token(http: httpx.AsyncClient, world: World) -> tuple[float, float]:
    """Wall-clock and CPU seconds for one client-credentials token request."""
    form = {"grant_type": "client_credentials", "audience": world.api.identifier}
    started, cpu = time.perf_counter(), time.process_time()
    response = await http.post(f"{world.path}/oauth/token", data=form, headers=world.m2m.basic())
    elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 200:
        raise RuntimeError(f"token request failed: {response.status_code}")
    return elapsed, cpu_used


async def measure(
    data_dir: Path, requests: int, redis: str | None, concurrency: int, exact: bool
) -> dict[str, float]:
    extra: dict[str, str] = {"redis_url": redis, "counter_key_secret": "b" * 40} if redis else {}
    container = Container.build(Settings(data_dir=data_dir, **extra))  # type: ignore[arg-type]
    try:
        await container.migrate()
        world = await make_world(container)
        limiter = container.protection.rate_limiter
        limiter.leases = not exact
        # Through the tenant's stored policy, as an operator would: the limiter's own table
        # is replaced from the database on the first request.
        high = RateLimitsUpdate(limits={EndpointClass.TOKEN: dict.fromkeys(Scope, HIGH)})
        await container.protection_policies.update(
            world.tenant, "rate-limits", high, by=ChangedBy.system("bench")
        )
        off = dataclasses.replace(
            container,
            protection=dataclasses.replace(container.protection, rate_limits_enabled=False),
        )
        apps = {"on": create_app(container), "off": create_app(off)}
        times: dict[str, list[float]] = {"on": [], "off": []}
        cpu: dict[str, float] = {"on": 0.0, "off": 0.0}
        clients = {
            name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b")
            for name, app in apps.items()
        }
        for name in ("on", "off"):
            for _ in range(20):  # warm-up
                await token(clients[name], world)
        settle_heap()  # the garbage-collector settings the serving process runs with
        for i in range(requests // concurrency):
            # Alternate which mode goes first, so neither pays for what the other left.
            for name in ("on", "off") if i % 2 == 0 else ("off", "on"):
                cpu_started = time.process_time()
                runs = [token(clients[name], world) for _ in range(concurrency)]
                for wall, _ in await asyncio.gather(*runs):
                    times[name].append(wall)
                cpu[name] += time.process_time() - cpu_started
        requests = concurrency * (requests // concurrency)
        for client in clients.values():
            await client.aclose()
        keys = RateLimitKeys(world.tenant.name, ip="198.51.100.1", client_id=world.m2m.client_id)
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(1000):
            await limiter.hit(EndpointClass.TOKEN, keys)
        check = (time.perf_counter() - started) / 1000
        check_cpu = (time.process_time() - cpu_started) / 1000
        edge_on, edge_off = await edge_cost(container, world.tenant.name, concurrency)
        return {
            "edge_on": edge_on,
            "edge_off": edge_off,
            "on": statistics.median(times["on"]),
            "off": statistics.median(times["off"]),
            "cpu_on": cpu["on"] / requests,
            "cpu_off": cpu["off"] / requests,
            "check": check,
            "check_cpu": check_cpu,
        }
    finally:
        await container.close()


async def edge_cost(
    container: Container, tenant: str, concurrency: int, n: int = 4000
) -> tuple[float, float]:
    """CPU seconds per request of `RateLimitMiddleware` alone, limits on and off, over an app
    that answers at once: the best of five rounds each (the least disturbed by the load)."""

    async def answer(scope: AsgiScope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    protection = container.protection
    limiter = protection.rate_limiter
    basic = b"Basic " + base64.b64encode(b"bench-client-0123456789:not-checked-here")
    modes = {
        "on": RateLimitMiddleware(answer, limiter=limiter, proxies=protection.proxies),
        "off": RateLimitMiddleware(answer, limiter=None, proxies=protection.proxies),
    }

    async def run(app: RateLimitMiddleware, count: int) -> None:
        for _ in range(count):
            scope: AsgiScope = {
                "type": "http",
                "method": "POST",
                "path": f"/t/{tenant}/oauth/token",
                "query_string": b"",
                "client": ("198.51.100.7", 40000),
                "headers": [(b"host", b"b"), (b"authorization", basic)],
            }
            await app(scope, receive, send)

    best = {"on": float("inf"), "off": float("inf")}
    for _ in range(5):
        for name, app in modes.items():
            started = time.process_time()
            await asyncio.gather(*(run(app, n // concurrency) for _ in range(concurrency)))
            best[name] = min(best[name], (time.process_time() - started) / n)
    return best["on"], best["off"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight")
    parser.add_argument("--redis", help="loopback Redis URL for shared counters")
    parser.add_argument("--exact", action="store_true", help="no leases: count all in Redis")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    with tempfile.TemporaryDirectory() as tmp:
        result = await measure(
            Path(tmp), args.requests, args.redis, max(1, args.concurrency), args.exact
        )
    backend = ("redis, exact" if args.exact else "redis, leases") if args.redis else "memory"
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"counters: {backend}; {args.requests} requests per mode, interleaved,"
        f" {args.concurrency} in flight"
    )
    print(f"median client-credentials request, limits off: {result['off'] * 1000:7.2f} ms")
    print(f"median client-credentials request, limits on:  {result['on'] * 1000:7.2f} ms")
    print(f"CPU per request, limits off:                   {result['cpu_off'] * 1000:7.2f} ms")
    print(f"CPU per request, limits on:                    {result['cpu_on'] * 1000:7.2f} ms")
    check, check_cpu = result["check"] * 1000, result["check_cpu"] * 1000
    print(
        f"one limiter check (ip, client, tenant):        {check:7.3f} ms ({check_cpu:.3f} ms CPU)"
    )
    overhead = 100 * (result["on"] - result["off"]) / result["off"]
    print(f"overhead on the median request: {overhead:.1f} %")
    cpu_overhead = 100 * (result["cpu_on"] - result["cpu_off"]) / result["cpu_off"]
    print(f"overhead on CPU per request (throughput on a busy core): {cpu_overhead:.1f} %")
    edge_on, edge_off = result["edge_on"] * 1e6, result["edge_off"] * 1e6
    print(
        f"rate-limit middleware alone, CPU per request: {edge_on:.1f} µs on,"
        f" {edge_off:.1f} µs off: the check costs {edge_on - edge_off:.1f} µs"
    )


if __name__ == "__main__":
    asyncio.run(main())
