"""Scale-out benchmark (issue 9): two workers on PostgreSQL + Redis, and 1 M users.

Run: `python -m bench scale` (part of `make bench`, never of `make test`). Needs a
PostgreSQL it may create and drop a throwaway database on and a Redis
(`TIER0_BENCH_POSTGRES_URL`/`TIER0_BENCH_REDIS_URL`, falling back to the test suite's
`TIER0_TEST_POSTGRES_URL`/`TIER0_TEST_REDIS_URL`). Loopback only, bounded in time.

1. `tier0 serve --workers 2` on the throwaway database with Redis counters: client
   credentials (ES256 API), refresh with rotation, and full password sign-in flows, each
   from this process over HTTP/1.1 (no core pinning: two workers share the machine's two
   cores with the load generator, as a small deployment would).
2. Sign-in latency with 1,000 users in the tenant, then with `BENCH_SCALE_USERS` (default
   1,000,000): users are seeded in bulk with PostgreSQL COPY and one precomputed bcrypt hash
   (personal data sealed and blind-indexed exactly as the repository does), then the same
   sign-in flows run for randomly chosen seeded users. Also the bare lookup
   (`UserService.find_by_email`) in process. The target: within 10 % of the 1,000-user figure.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import bcrypt
import httpx

from bench import signin, tokens
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.crypto.random import random_id
from tier0.domain import AppType, Tenant
from tier0.domain.users import normalize_email
from tier0.services.applications import ApplicationSpec
from tier0.settings import Settings
from tier0.storage.sql.repos.users import SEALED, TABLE

BENCH = ChangedBy.system("bench")  # the author of the benchmark's set-up changes

PG = os.environ.get("TIER0_BENCH_POSTGRES_URL") or os.environ.get("TIER0_TEST_POSTGRES_URL")
REDIS = os.environ.get("TIER0_BENCH_REDIS_URL") or os.environ.get("TIER0_TEST_REDIS_URL")
USERS = int(os.environ.get("BENCH_SCALE_USERS", "1000000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
FLOWS = 200  # sign-in flows per latency sample
BATCH = 20_000


@asynccontextmanager
async def throwaway_database(admin_url: str) -> AsyncIterator[str]:
    name = f"tier0_bench_{secrets.token_hex(5)}"
    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _latency_line(name: str, latencies: list[float], seconds: float | None = None) -> str:
    lat = sorted(latencies)
    p50 = statistics.median(lat) * 1000
    p99 = lat[max(int(len(lat) * 0.99) - 1, 0)] * 1000
    rate = f"{len(lat) / seconds:7.1f}/s  " if seconds else ""
    return f"{name:<44} {rate}p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  (n={len(lat)})"


def _pct(latencies: list[float], q: float) -> float:
    lat = sorted(latencies)
    return lat[max(int(len(lat) * q) - 1, 0)]


async def _seed_users(container: Container, tenant: Tenant, start: int, stop: int) -> None:
    """Users number ``start``..``stop-1`` with one precomputed hash, by COPY in batches."""
    password_hash = bcrypt.hashpw(signin.PASSWORD.encode(), bcrypt.gensalt(10)).decode()
    assert container.db.cipher is not None
    fields = await container.db.cipher.for_tenant(tenant.id)
    now = datetime.now(UTC)
    columns = [
        "user_id", "tenant_id", "email", "email_normalized", "email_verified", "blocked",
        "user_metadata", "app_metadata", "password_hash", "created_at", "updated_at",
        "logins_count", "email_ct",
    ]  # fmt: skip
    url = container.settings.resolved_database_url.replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(url)
    try:
        for low in range(start, stop, BATCH):
            rows = []
            for n in range(low, min(low + BATCH, stop)):
                user_id = random_id("auth0|")
                email = _email(n)
                rows.append(
                    (
                        user_id, tenant.id, "", fields.index(normalize_email(email)), True,
                        False, "{}", "{}", password_hash, now, now, 0,
                        fields.seal(TABLE, SEALED["email"], user_id, email),
                    )
                )  # fmt: skip
            await conn.copy_records_to_table("users", records=rows, columns=columns)
        await conn.execute("ANALYZE users")
    finally:
        await conn.close()


def _email(n: int) -> str:
    return f"user{n:07d}@scale.example.com"


async def _signin_latencies(port: int, client_id: str, population: int) -> list[float]:
    """``FLOWS`` full sign-ins by random seeded users, two browsers at a time."""
    latencies: list[float] = []
    per_browser = FLOWS // 2

    async def browser() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for _ in range(per_browser):
                began = time.perf_counter()
                await signin.one_flow(http, client_id, email=_email(random.randrange(population)))
                latencies.append(time.perf_counter() - began)

    await asyncio.gather(browser(), browser())
    return latencies


async def _lookup_latencies(container: Container, tenant: Tenant, population: int) -> list[float]:
    latencies = []
    for _ in range(300):
        began = time.perf_counter()
        found = await container.users.find_by_email(tenant, _email(random.randrange(population)))
        latencies.append(time.perf_counter() - began)
        assert found is not None
    return latencies


async def _throughput(
    name: str, port: int, run: Callable[[], Awaitable[tuple[int, int, list[float]]]]
) -> None:
    _done, errors, latencies = await run()
    print(_latency_line(name, latencies, SECONDS) + f"  errors {errors}", flush=True)


async def _flows(port: int, pid: int, client_id: str) -> tuple[int, int, list[float]]:
    signin.DURATION = SECONDS
    done, errors, latencies, _cpu = await signin._drive(port, pid, client_id)
    return done, errors, latencies


async def _token_scenario(port: int, pid: int, scenario: tokens.Scenario) -> None:
    tokens.DURATION = SECONDS
    result = await tokens._measure(port, pid, scenario)
    print(result.line(), flush=True)


def _serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TIER0_DATA_DIR": str(settings.data_dir),
        "TIER0_DATABASE_URL": settings.resolved_database_url,
        "TIER0_REDIS_URL": REDIS or "",
        "TIER0_COUNTER_KEY_SECRET": settings.counter_key_secret.get_secret_value()
        if settings.counter_key_secret
        else "",
        "TIER0_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TIER0_BCRYPT_COST": "10",
        "TIER0_RATE_LIMITS_ENABLED": "false",
        "TIER0_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "tier0", "serve", "--port", str(port), "--workers", "2"]
    return subprocess.Popen(command, env=env)


async def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    """Both workers answering /healthz (a busy machine may need minutes to import them)."""
    answered = 0
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(600):
            if server.poll() is not None:
                raise RuntimeError(f"tier0 serve exited with {server.returncode}")
            try:
                await http.get(f"http://127.0.0.1:{port}/healthz")
                answered += 1
                if answered >= 4:  # up for two seconds: both workers have started
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("tier0 serve did not start in 5 minutes")


async def _setup(settings: Settings) -> tuple[tokens.Fixture, str, Tenant]:
    container = Container.build(settings)
    await container.migrate()
    try:
        tenant = await container.tenants.create("bench", by=BENCH)
        await container.keys.ensure(tenant.id, ["ES256", "RS256"], by=BENCH)
        cc = {"ES256": await tokens._client_credentials_app(container, tenant, "ES256")}
        spa = await container.applications.create(
            tenant, ApplicationSpec("spa", AppType.SPA, callbacks=(signin.CALLBACK,)), by=BENCH
        )
        spa_id = spa.application.client_id
        # The refresh chains' user signs in too (signin.one_flow's default account). The
        # password is set at creation: setting it afterwards revokes the user's refresh
        # tokens (PW-06), which left the refresh scenario with nothing but errors.
        chains = {
            "RS256": await tokens._refresh_chains(
                container, tenant, spa_id, None, password=signin.PASSWORD
            )
        }
        return tokens.Fixture(tenant, cc, spa_id, chains), spa_id, tenant
    finally:
        await container.close()


async def _run(settings: Settings) -> None:
    fixture, spa_id, tenant = await _setup(settings)
    port = tokens._free_port()
    server = _serve(settings, port)
    try:
        await _wait_ready(port, server)
        print(f"tier0 serve --workers 2 on PostgreSQL + Redis, load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
        await _token_scenario(port, server.pid, tokens._cc_scenario(fixture, "ES256"))
        await _token_scenario(
            port, server.pid, tokens._refresh_scenario(fixture, "RS256", "PostgreSQL")
        )
        await _throughput(
            "full sign-in flows (8 browsers)", port, lambda: _flows(port, server.pid, spa_id)
        )
        container = Container.build(settings)
        try:
            figures = {}
            for population in (1000, USERS):
                began = time.perf_counter()
                await _seed_users(container, tenant, 0 if population == 1000 else 1000, population)
                print(f"seeded up to {population:,} users in {time.perf_counter() - began:.0f} s")
                flows = await _signin_latencies(port, spa_id, population)
                lookups = await _lookup_latencies(container, tenant, population)
                print(_latency_line(f"sign-in flow, {population:,} users", flows), flush=True)
                print(_latency_line(f"find_by_email, {population:,} users", lookups), flush=True)
                figures[population] = (statistics.median(flows), _pct(flows, 0.99))
            (p50_small, p99_small), (p50_big, p99_big) = figures[1000], figures[USERS]
            change = 100 * (p50_big / p50_small - 1)
            verdict = "within" if change <= 10 else "NOT within"  # faster is within too
            print(f"sign-in p50 with {USERS:,} users vs 1,000: {change:+.1f} % ({verdict} 10 %); "
                  f"p99 {100 * (p99_big / p99_small - 1):+.1f} %", flush=True)  # fmt: skip
        finally:
            await container.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def main() -> None:
    if not PG or not REDIS:
        raise SystemExit("scale: set TIER0_BENCH_POSTGRES_URL and TIER0_BENCH_REDIS_URL")
    with tempfile.TemporaryDirectory(prefix="tier0-scale-") as tmp:
        Path(tmp).chmod(0o700)
        async with throwaway_database(PG) as database_url:
            settings = Settings(
                data_dir=Path(tmp) / "data",
                database_url=database_url,
                redis_url=REDIS,
                counter_key_secret=secrets.token_urlsafe(36),
                bcrypt_cost=10,
            )
            await _run(settings)


if __name__ == "__main__":
    asyncio.run(main())
