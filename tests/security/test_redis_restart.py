"""AV-05: Redis restarting in the middle of a brute-force run. The counters fall back to the
process (logged as degraded), limits keep biting throughout — never fail-open — and Redis is
used again once it answers, without restarting tier0."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import structlog

from tests.conftest import skip_or_fail
from tests.security.live import free_port
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.settings import Settings
from tier0.web.app import create_app

LIMIT = 4


class OwnRedis:
    """A throwaway redis-server of this test (the shared one is never restarted)."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):  # bounded wait for the port
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed")
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def flood(http: httpx.AsyncClient, n: int) -> list[int]:
    return [(await http.post("/t/flood/oauth/token")).status_code for _ in range(n)]


async def test_av05_redis_restart_during_a_flood_degrades_safely_and_recovers(
    tmp_path: Path, redis_server: OwnRedis
) -> None:
    clock = FrozenClock()
    settings = Settings(
        data_dir=tmp_path / "data",
        redis_url=f"redis://127.0.0.1:{redis_server.port}/0",
        counter_key_secret="k" * 40,
        rate_limit_overrides={"flood": {"token": {"ip": f"{LIMIT}/minute"}}},
    )
    container = Container.build(settings, clock=clock)
    await container.migrate()
    await container.tenants.create("flood", by=ChangedBy.cli())
    transport = httpx.ASGITransport(app=create_app(container), client=("198.51.100.7", 1))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            with structlog.testing.capture_logs() as logs:
                before = await flood(http, 2)  # counted in Redis
                redis_server.kill()
                during = await flood(http, LIMIT + 2)  # Redis gone: process counters
                redis_server.start()  # empty: a restart loses its counts
                clock.advance(10)  # past the failover's retry delay, inside the window
                after = await flood(http, LIMIT + 2)
                health = await http.get("/healthz")
    finally:
        await container.close()
    assert 429 not in before
    assert during[-1] == 429 and during.count(429) >= 2  # limited while Redis is down
    assert after[-1] == 429  # limited again once Redis is back
    assert health.status_code == 200  # the service stayed up throughout
    events = [entry["event"] for entry in logs]
    assert "counter_store.degraded" in events and "counter_store.recovered" in events
    # Never fail-open: at most one fresh window per counter store the run went through.
    allowed = sum(status != 429 for status in before + during + after)
    assert allowed <= 3 * LIMIT
