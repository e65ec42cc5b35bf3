"""A stalled PostgreSQL (as under `kill -STOP` of the server) gives fast 503s, then tier0
recovers without a restart once the database answers again.

The machine's PostgreSQL is shared with other test runs, so it is never stopped here. A
pausable TCP relay in front of it plays the stalled server instead: while paused it accepts
connections and bytes and forwards nothing, which is what clients of a SIGSTOPped postmaster
and backends see.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.settings import Settings
from tier0.web.app import create_app

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group(__name__)]


class StallableRelay:
    """TCP relay to ``target``; ``stall()`` stops forwarding in both directions."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    def stall(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self.flowing.wait()  # a stopped postmaster forks no backend
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await source.read(65536):
                await self.flowing.wait()
                sink.write(data)
                await sink.drain()
        sink.close()


@pytest.fixture
async def relay(own_pg_database: str) -> AsyncIterator[tuple[StallableRelay, str]]:
    parts = urlsplit(own_pg_database)
    relay = StallableRelay(parts.hostname or "127.0.0.1", parts.port or 5432)
    port = await relay.start()
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    url = urlunsplit(parts._replace(netloc=f"{userinfo}127.0.0.1:{port}"))
    try:
        yield relay, url
    finally:
        relay.resume()
        await relay.close()


async def test_av06_stalled_database_gives_fast_503s_then_recovers(
    tmp_path: Path, relay: tuple[StallableRelay, str]
) -> None:
    stall, url = relay
    settings = Settings(data_dir=tmp_path / "data", database_url=url, database_timeout=1.0)
    container = Container.build(settings)
    await container.migrate()
    tenant = await container.tenants.create("stalltest", by=ChangedBy.cli())
    transport = httpx.ASGITransport(app=create_app(container), raise_app_exceptions=False)
    token_path = f"/t/{tenant.name}/oauth/token"
    form = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert (await http.get("/readyz")).status_code == 200
            stall.stall()
            stalled = [await http.get("/readyz"), await http.post(token_path, data=form)]
            stall.resume()
            recovered = None
            for _ in range(20):  # bounded: the pool replaces its dead connections
                recovered = await http.get("/readyz")
                if recovered.status_code == 200:
                    break
                await asyncio.sleep(0.5)
            after = await http.post(token_path, data=form)
    finally:
        await container.close()
    assert [r.status_code for r in stalled] == [503, 503]
    assert all(r.headers["retry-after"] == "1" for r in stalled)
    assert recovered is not None and recovered.status_code == 200
    assert after.status_code == 401 and after.json()["error"] == "invalid_client"
