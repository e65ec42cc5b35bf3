"""Token endpoint throughput: client credentials (ES256 and RS256 APIs) and refresh.

Run: `python -m bench tokens` (part of `make bench`). Set-up goes through the real
container (SQLite in a temporary data directory); then one uvicorn worker serves the app,
pinned to core 0 with `taskset` (`tier0 serve --workers 1`, so the server configuration is
the one operators run), and this process, pinned to core 1, drives it over HTTP/1.1
keep-alive from 16 connections for a bounded run (2 s warm-up, 10 s measured). The load
generator is a minimal asyncio HTTP client (pre-built requests, Content-Length responses):
httpx costs more CPU per request than the server under test, and would measure itself.

Reported per scenario: requests/s, p50/p99 latency, the server's CPU per request and peak
RSS (VmHWM). Rate limits are off and the log level is `warning` for the run (the
per-request access line is a measurable share of a 1 ms request).

Issue 5's rate-limit overhead: `BENCH_RATE_LIMITS=ab BENCH_ONLY="ES256 API" python -m bench
tokens` runs a limits-off and a limits-on server side by side on core 0 (each with its own
16 connections) and prints the extra server CPU per request of "on"; add
`TIER0_REDIS_URL=redis://... TIER0_COUNTER_KEY_SECRET=...` for Redis counters (and the
Redis directory generation, in both servers). `aa` is the control (both off). On a shared
machine, back-to-back runs vary by more than the effect; side by side, both see the same
contention.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.crypto.random import random_id
from tier0.domain import ApiScope, AppType, Tenant
from tier0.domain.grants import Grant, RefreshToken
from tier0.protocol.grants.family import new_refresh_token
from tier0.services.applications import ApplicationSpec
from tier0.services.resource_servers import ApiSpec
from tier0.services.users import UserSpec
from tier0.settings import Settings

BENCH = ChangedBy.system("bench")  # the author of the benchmark's set-up changes

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
RATE_LIMITS = os.environ.get("BENCH_RATE_LIMITS", "off")
"""Issue 5's with-and-without comparison. `on`: the counters (memory, or Redis with
`TIER0_REDIS_URL`) enforce token limits high enough never to refuse; `off` (the default):
limits switched off; `ab`: two servers at once on the same core, one off and one on, each
driven by its own connections, so both run in the same conditions on a shared machine
(the faithful on/off figure: compare their CPU per request); `aa`: the same with both
servers off, the control that shows what the pairing itself adds; `ba`: `ab` with the "on"
server started and driven first. The pairing is not quite symmetric (in `aa` runs the
second server reads a few µs per request cheaper), so the fair on/off figure is the mean of
`ab` and `ba` runs, where the position's share cancels. `BENCH_ON_OVERRIDES`
replaces the "on" server's `TIER0_RATE_LIMIT_OVERRIDES` (e.g. token cells set to null: the
middleware runs, nothing is counted) to take the overhead apart."""
ONLY = os.environ.get("BENCH_ONLY", "")
"""Run only the scenarios whose name contains this text (e.g. `ES256 API`)."""
WARMUP = 2.0
DURATION = 10.0
SERVER_CORE, LOAD_CORE = 0, 1


@dataclass
class Scenario:
    """One measured run: a request factory per connection and a response hook."""

    name: str
    requests: list[Callable[[], bytes]]
    on_body: list[Callable[[bytes], None]]


@dataclass
class Result:
    name: str
    count: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    rss_mib: float = 0.0
    cpu_seconds: float = 0.0  # server user+system CPU during the measured window

    def line(self) -> str:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1000 if lat else 0.0
        p99 = lat[int(len(lat) * 0.99) - 1] * 1000 if lat else 0.0
        rate = self.count / DURATION
        cpu_ms = self.cpu_seconds * 1000 / self.count if self.count else 0.0
        per_core = 1000 / cpu_ms if cpu_ms else 0.0
        return (
            f"{self.name:<34} {rate:7.0f} req/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  "
            f"server CPU {cpu_ms:5.2f} ms/req (= {per_core:5.0f} req/s per busy core)  "
            f"errors {self.errors}  peak RSS {self.rss_mib:.0f} MiB"
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _post(path: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
    body = urlencode(form).encode()
    lines = [f"POST {path} HTTP/1.1", "host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [
        "content-type: application/x-www-form-urlencoded",
        f"content-length: {len(body)}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _connection(
    port: int,
    request: Callable[[], bytes],
    on_body: Callable[[bytes], None],
    result: Result,
    start: float,
    stop: float,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (now := time.perf_counter()) < stop:
            writer.write(request())
            status, body = await _read_response(reader)
            done = time.perf_counter()
            if status != 200:
                result.errors += 1
                continue
            on_body(body)
            if now >= start:
                result.count += 1
                result.latencies.append(done - now)
    finally:
        writer.close()


def _family(pid: int) -> list[int]:
    """The process and its children (the workers of a `tier0 serve --workers N`)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(int(child) for child in children)]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (/proc/PID/stat 14 and 15)."""
    total = 0.0
    for member in _family(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _peak_rss_mib(pid: int) -> float:
    """The largest peak RSS (VmHWM) of the process and its children."""
    peak = 0.0
    for member in _family(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


async def _measure(port: int, pid: int, scenario: Scenario) -> Result:
    result = Result(scenario.name)
    start = time.perf_counter() + WARMUP
    stop = start + DURATION
    cpu: list[float] = []

    async def sample_cpu() -> None:
        await asyncio.sleep(WARMUP)
        cpu.append(_cpu_seconds(pid))

    await asyncio.gather(
        sample_cpu(),
        *(
            _connection(port, scenario.requests[i], scenario.on_body[i], result, start, stop)
            for i in range(CONNECTIONS)
        ),
    )
    result.cpu_seconds = _cpu_seconds(pid) - cpu[0]
    result.rss_mib = _peak_rss_mib(pid)
    return result


@dataclass
class Fixture:
    tenant: Tenant
    cc: dict[str, tuple[str, str]]  # alg -> (client_id, secret)
    spa_client_id: str
    refresh_tokens: dict[str, list[str]]  # alg of the access tokens -> one token per connection


def _api_identifier(alg: str) -> str:
    return f"https://bench-{alg.lower()}.example.com"


ES256_API = _api_identifier("ES256")


async def _client_credentials_app(
    container: Container, tenant: Tenant, alg: str
) -> tuple[str, str]:
    api = await container.apis.create(
        tenant,
        ApiSpec(
            name=f"bench {alg}",
            identifier=_api_identifier(alg),
            scopes=(ApiScope("read:bench"),),
            signing_alg=alg,
        ),
        by=BENCH,
    )
    app = await container.applications.create(
        tenant, ApplicationSpec(name=f"m2m {alg}", app_type=AppType.NON_INTERACTIVE), by=BENCH
    )
    await container.client_grants.create(
        tenant, app.application.client_id, api.identifier, ["read:bench"], by=BENCH
    )
    return app.application.client_id, app.client_secret or ""


async def _refresh_chains(
    container: Container,
    tenant: Tenant,
    client_id: str,
    audience: str | None,
    email: str = "bench@example.com",
    password: str | None = None,
) -> list[str]:
    """One refresh-token family per connection, inserted as a code exchange would. With an
    audience the access tokens are for that API (and signed with its algorithm); without
    one they are for /userinfo, signed with the tenant's default (RS256)."""
    spec = UserSpec(email=email, password=password)
    user = await container.users.create(tenant, spec, by=BENCH)
    key = await container.keyring.hash_key(tenant.id)
    now = container.clock.now()
    tokens: list[str] = []
    async with container.db.transaction() as uow:
        for _ in range(CONNECTIONS):
            grant = Grant(
                tenant_id=tenant.id,
                id=random_id("grt_"),
                client_id=client_id,
                user_id=user.user_id,
                scope=("openid", "offline_access"),
                audience=audience,
                session_id=None,
                created_at=now,
            )
            await uow.grants.add(grant)
            template = RefreshToken(
                tenant_id=tenant.id,
                token_hash="",
                grant_id=grant.id,
                client_id=client_id,
                user_id=user.user_id,
                scope=grant.scope,
                audience=audience,
                expires_at=now + timedelta(days=30),
            )
            value, row = new_refresh_token(
                key, template=template, now=now, idle=timedelta(days=15), parent_hash=None
            )
            await uow.refresh_tokens.add(row)
            tokens.append(value)
    return tokens


async def _setup(settings: Settings) -> Fixture:
    container = Container.build(settings)
    await container.migrate()
    try:
        tenant = await container.tenants.create("bench", by=BENCH)
        await container.keys.ensure(tenant.id, ["ES256", "RS256"], by=BENCH)
        cc = {
            alg: await _client_credentials_app(container, tenant, alg) for alg in ("ES256", "RS256")
        }
        spa = await container.applications.create(
            tenant,
            ApplicationSpec(
                name="spa", app_type=AppType.SPA, callbacks=("https://app.example.com/cb",)
            ),
            by=BENCH,
        )
        spa_id = spa.application.client_id
        chains = {
            "ES256": await _refresh_chains(container, tenant, spa_id, ES256_API),
            "RS256": await _refresh_chains(container, tenant, spa_id, None, "rs@example.com"),
        }
        return Fixture(tenant, cc, spa_id, chains)
    finally:
        await container.close()


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {raw}"}


def _cc_scenario(fixture: Fixture, alg: str) -> Scenario:
    client_id, secret = fixture.cc[alg]
    request = _post(
        "/t/bench/oauth/token", {"grant_type": "client_credentials"}, _basic(client_id, secret)
    )
    return Scenario(
        f"client_credentials ({alg} API)",
        [lambda: request] * CONNECTIONS,
        [lambda body: None] * CONNECTIONS,
    )


def _refresh_scenario(fixture: Fixture, alg: str, backend: str = "SQLite") -> Scenario:
    current = list(fixture.refresh_tokens[alg])

    def request_for(i: int) -> Callable[[], bytes]:
        def build() -> bytes:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": current[i],
                "client_id": fixture.spa_client_id,
            }
            return _post("/t/bench/oauth/token", form, {})

        return build

    def body_for(i: int) -> Callable[[bytes], None]:
        def take(body: bytes) -> None:
            current[i] = json.loads(body)["refresh_token"]

        return take

    name = f"refresh_token ({backend}, rotation)"
    if alg != "ES256":  # no audience: a /userinfo token signed with the tenant default
        name = f"refresh_token ({backend}, {alg} userinfo)"
    return Scenario(
        name,
        [request_for(i) for i in range(CONNECTIONS)],
        [body_for(i) for i in range(CONNECTIONS)],
    )


def _start_server(data_dir: Path, port: int, limits: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TIER0_DATA_DIR": str(data_dir),
        "TIER0_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TIER0_RATE_LIMITS_ENABLED": "false",
        "TIER0_LOG_LEVEL": "warning",
    }
    if limits:  # on, with token limits high enough never to refuse during the run
        high = dict.fromkeys(("ip", "client", "tenant"), "1000000/minute")
        env["TIER0_RATE_LIMITS_ENABLED"] = "true"
        env["TIER0_RATE_LIMIT_OVERRIDES"] = os.environ.get(
            "BENCH_ON_OVERRIDES", json.dumps({"bench": {"token": high}})
        )
    # `tier0 serve` itself, so the figures are what operators run: its guarded httptools
    # protocol on uvloop, its limits and timeouts (web/server.py), one worker.
    command = [
        "taskset", "-c", str(SERVER_CORE), sys.executable, "-m", "tier0", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


async def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(1200):  # up to a minute: the machine may be busy
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("the server did not start")


def _scenarios(fixture: Fixture) -> list[Scenario]:
    scenarios = [
        _cc_scenario(fixture, "ES256"),
        _cc_scenario(fixture, "RS256"),
        _refresh_scenario(fixture, "ES256"),
        _refresh_scenario(fixture, "RS256"),
    ]
    return [s for s in scenarios if ONLY in s.name]


_Servers = dict[str, tuple[int, subprocess.Popen[bytes]]]  # mode -> (port, server)


async def _compare(servers: _Servers, fixtures: dict[str, Fixture], name: str) -> None:
    """`BENCH_RATE_LIMITS=ab`: one scenario on both servers at the same time (each server
    has its own data directory and fixture), then the extra CPU per request of "on"."""
    runs = {
        mode: _measure(
            port, server.pid, next(s for s in _scenarios(fixtures[mode]) if s.name == name)
        )
        for mode, (port, server) in servers.items()
    }
    results = dict(zip(runs, await asyncio.gather(*runs.values()), strict=True))
    cpu: dict[str, float] = {}
    for mode, result in results.items():
        result.name = f"{name} {'off' if RATE_LIMITS == 'aa' else mode}"
        print(result.line(), flush=True)
        cpu[mode] = result.cpu_seconds / result.count if result.count else 0.0
    if RATE_LIMITS == "aa":
        first, second = cpu.values()
        label = "control: off - off"
    else:  # on minus off, whichever was driven first
        first, second = cpu["off"], cpu["on"]
        label = f"rate limits on - off ({RATE_LIMITS})"
    if first and second:
        extra = second - first
        print(
            f"{label:<34} {extra * 1e6:+7.1f} µs CPU/request = "
            f"{100 * extra / first:+.1f} % (throughput on a busy core: "
            f"{100 * (first / second - 1):+.1f} %)",
            flush=True,
        )


async def main() -> None:
    if shutil.which("taskset") is None:
        raise SystemExit("taskset (util-linux) is needed to pin the server to one core")
    os.sched_setaffinity(0, {LOAD_CORE})
    pairs = {"ab": ("off", "on"), "ba": ("on", "off"), "aa": ("off", "on")}
    modes = pairs.get(RATE_LIMITS, (RATE_LIMITS,))
    with tempfile.TemporaryDirectory(prefix="tier0-bench-") as tmp:
        servers: _Servers = {}
        fixtures: dict[str, Fixture] = {}
        try:
            for mode in modes:
                data_dir = Path(tmp) / f"data-{mode}"
                port = _free_port()
                settings = Settings(data_dir=data_dir, public_url=f"http://127.0.0.1:{port}")
                fixtures[mode] = await _setup(settings)
                limits = mode == "on" and RATE_LIMITS != "aa"
                servers[mode] = (port, _start_server(data_dir, port, limits))
            for port, server in servers.values():
                await _wait_ready(port, server)
            load = os.getloadavg()[0]
            print(f"tier0 token endpoint, tier0 serve (1 worker) per server on core {SERVER_CORE}, "
                  f"{CONNECTIONS} connections per server, {DURATION:.0f} s per scenario, "
                  f"rate limits {RATE_LIMITS}, "
                  f"load average {load:.1f} on {os.cpu_count()} cores")  # fmt: skip
            for scenario in _scenarios(fixtures[modes[0]]):
                if len(servers) > 1:
                    await _compare(servers, fixtures, scenario.name)
                    continue
                port, server = servers[modes[0]]
                print((await _measure(port, server.pid, scenario)).line(), flush=True)
        finally:
            for _, server in servers.values():
                server.terminate()
                server.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
