"""Issue #6 "done when": the relay is killed mid-delivery and restarted, and every event
reaches a real webhook receiver and a real syslog listener at least once, in order.

The relay runs as its own process (`tier0 relay run`), on the same database as this test
(a SQLite file shared through WAL, or a PostgreSQL database of this module's own). The
webhook receiver acknowledges two batches and then holds the third without answering;
while it is in flight the relay gets SIGKILL (no clean-up of any kind). A new relay process
waits out the dead node's lease, takes the streams over and delivers from their cursors.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tests.conftest import unique
from tests.unit.audit.receivers import SyslogListener, WebhookReceiver
from tier0.audit import Actor, EventType, SecurityEvent
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.audit.streams import StreamKind
from tier0.container import Container
from tier0.domain import Tenant
from tier0.settings import Settings

pytestmark = pytest.mark.slow

TIER0 = str(Path(sys.executable).parent / "tier0")
EVENTS = 40
BATCH = 5
ACKED_BEFORE_KILL = 2  # webhook batches answered before the one the relay dies in
LEASE_S = 3


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "postgres":
        return str(request.getfixturevalue("own_pg_database"))
    return None


@pytest.fixture
async def shared(tmp_path: Path, database_url: str | None) -> AsyncIterator[Container]:
    """This test's view of the database the relay processes use (real clock: the lease
    is compared with the relay's time)."""
    tmp_path.chmod(0o700)
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    container = Container.build(settings)
    await container.migrate()
    try:
        yield container
    finally:
        await container.close()


async def _start_relay(
    tmp: Path, database_url: str | None, name: str
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIER0_")}
    env["TIER0_DATA_DIR"] = str(tmp / "data")
    if database_url:
        env["TIER0_DATABASE_URL"] = database_url
    args = ["relay", "run", "--idle", "0.1", "--batch", str(BATCH), "--lease", str(LEASE_S)]
    with (tmp / f"{name}.log").open("wb") as log:  # the child keeps its own descriptor
        return await asyncio.create_subprocess_exec(
            TIER0, *args, env=env, stdout=log, stderr=log, start_new_session=True
        )


async def _until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> None:
    for _ in range(int(timeout / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def assert_at_least_once_in_order(received: list[int], expected: list[int]) -> None:
    """Every expected seq arrived; nothing ever skipped ahead; a redelivery only goes back
    to an earlier cursor and then moves forward again, one by one."""
    assert sorted(set(received)) == expected, "an event was lost (or invented)"
    highest = expected[0] - 1
    for seq in received:
        assert seq <= highest + 1, f"seq {seq} arrived before seq {highest + 1}"
        highest = max(highest, seq)


async def _seqs(c: Container, tenant: Tenant) -> list[int]:
    found = await c.audit.search(EventQuery(tenant_id=tenant.id, limit=1000))
    return [item.seq for item in found]


async def test_sigkilled_relay_process_loses_no_event(
    shared: Container, tmp_path: Path, database_url: str | None
) -> None:
    c = shared
    hook = WebhookReceiver(hang_after=ACKED_BEFORE_KILL)
    syslog = SyslogListener()
    await hook.start()
    await syslog.start()
    tenant = await c.tenants.create(unique("relaykill"), by=ChangedBy.cli())
    config = {"host": "127.0.0.1", "port": str(syslog.port), "tls": "false"}
    actor = Actor.system("test")
    for name, kind, settings in (
        ("syslog", StreamKind.SYSLOG, config),
        ("webhook", StreamKind.WEBHOOK, {"url": hook.url}),
    ):
        await c.streams.create(tenant.id, name, kind, settings, actor=actor, from_start=True)
    for _ in range(EVENTS):
        event = SecurityEvent.create(
            EventType.USER_LOGIN_FAILED, clock=c.clock, tenant_id=tenant.id, actor=actor
        )
        await c.audit.emit(event)
    relays: list[asyncio.subprocess.Process] = []
    try:
        first = await _start_relay(tmp_path, database_url, "first")
        relays.append(first)

        async def in_flight() -> bool:
            return len(hook.requests) > ACKED_BEFORE_KILL

        await _until(in_flight, "the webhook batch the relay will die in")
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
        # Killed mid-delivery: some, not all, acknowledged on both streams.
        at_kill = await _seqs(c, tenant)
        assert (await c.streams.get(tenant.id, "webhook")).cursor == ACKED_BEFORE_KILL * BATCH
        assert 0 < (await c.streams.get(tenant.id, "syslog")).cursor < at_kill[-1]
        hook.hang_after = None
        hook.gate.set()  # let the dead node's held request go

        relays.append(await _start_relay(tmp_path, database_url, "second"))

        async def caught_up() -> bool:
            newest = (await _seqs(c, tenant))[-1]
            cursors = [(await c.streams.get(tenant.id, n)).cursor for n in ("syslog", "webhook")]
            return cursors == [newest, newest] and len(syslog.messages) >= newest

        await _until(caught_up, "the restarted relay to deliver everything")
    finally:
        for process in relays:
            if process.returncode is None:
                process.terminate()
                await process.wait()
        await hook.stop()
        await syslog.stop()
    expected = await _seqs(c, tenant)
    webhook_seqs = hook.seqs()
    syslog_seqs = [record["seq"] for record in syslog.records()]
    assert_at_least_once_in_order(webhook_seqs, expected)
    assert_at_least_once_in_order(syslog_seqs, expected)
    # The batch in flight at the kill was sent again by the new node: at least once.
    in_flight_batch = range(ACKED_BEFORE_KILL * BATCH + 1, (ACKED_BEFORE_KILL + 1) * BATCH + 1)
    assert all(webhook_seqs.count(seq) == 2 for seq in in_flight_batch)
    assert len(expected) > EVENTS  # the tenant's own events and the relays' key reads too
