"""Cost of the rate-limit check on client-credentials requests (issue target: ≤ 5 %).

Run: `python -m bench.rate_limit_overhead [--requests 600] [--redis URL]`.

One real container (SQLite in a temporary directory) with a tenant, an API and an M2M client,
served by two apps over the same container: one with rate limits on (limits high enough never
to refuse), one with them off. Requests alternate between the two, so both see the same
machine load, and the medians are compared. Wall-clock medians on a shared machine mostly
measure its load, so the process CPU time per request (client and server run in this one
process; the client's share is the same in both modes) is reported too: throughput on a busy
core goes as its inverse, which makes it the measure of the issue's "≤ 5 % of
client-credentials throughput" target. Also prints the cost of one limiter check alone.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import structlog
from tests.flows.oauth_helpers import World, make_world

from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.protection.documents import RateLimitsUpdate
from tier0.protection.rate_limits import EndpointClass, RateLimitKeys, Scope
from tier0.settings import Settings
from tier0.web.app import create_app

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


async def measure(data_dir: Path, requests: int, redis: str | None) -> dict[str, float]:
    extra: dict[str, str] = {"redis_url": redis, "counter_key_secret": "b" * 40} if redis else {}
    container = Container.build(Settings(data_dir=data_dir, **extra))  # type: ignore[arg-type]
    try:
        await container.migrate()
        world = await make_world(container)
        limiter = container.protection.rate_limiter
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
        for i in range(requests):
            # Alternate which mode goes first, so neither pays for what the other left.
            for name in ("on", "off") if i % 2 == 0 else ("off", "on"):
                wall, used = await token(clients[name], world)
                times[name].append(wall)
                cpu[name] += used
        for client in clients.values():
            await client.aclose()
        keys = RateLimitKeys(world.tenant.name, ip="198.51.100.1", client_id=world.m2m.client_id)
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(1000):
            await limiter.hit(EndpointClass.TOKEN, keys)
        check = (time.perf_counter() - started) / 1000
        check_cpu = (time.process_time() - cpu_started) / 1000
        return {
            "on": statistics.median(times["on"]),
            "off": statistics.median(times["off"]),
            "cpu_on": cpu["on"] / requests,
            "cpu_off": cpu["off"] / requests,
            "check": check,
            "check_cpu": check_cpu,
        }
    finally:
        await container.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--redis", help="loopback Redis URL for shared counters")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    with tempfile.TemporaryDirectory() as tmp:
        result = await measure(Path(tmp), args.requests, args.redis)
    backend = "redis" if args.redis else "memory"
    print(f"counters: {backend}; {args.requests} requests per mode, interleaved")
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


if __name__ == "__main__":
    asyncio.run(main())
