"""One load per key for concurrent callers (tier0.single_flight), and the directory cache
loading an expired entry once however many requests miss it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import AppType
from tier0.services.applications import ApplicationSpec
from tier0.single_flight import SingleFlight
from tier0.storage.ports import UnitOfWork


async def test_concurrent_callers_share_one_load_and_later_ones_load_again() -> None:
    flights: SingleFlight[int] = SingleFlight()
    gate = asyncio.Event()
    calls: list[int] = []

    async def load() -> int:
        calls.append(1)
        await gate.wait()
        return len(calls)

    waiting = [asyncio.ensure_future(flights.run("k", load)) for _ in range(8)]
    other = asyncio.ensure_future(flights.run("other", load))
    for _ in range(3):  # every caller and both loads are waiting
        await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiting) == [2] * 8  # "k" and "other" each loaded once
    assert await other == 2 and len(flights) == 0
    assert await flights.run("k", load) == 3


async def test_a_cancelled_caller_does_not_cancel_the_others_load() -> None:
    flights: SingleFlight[str] = SingleFlight()
    gate = asyncio.Event()

    async def load() -> str:
        await gate.wait()
        return "value"

    first = asyncio.ensure_future(flights.run("k", load))
    second = asyncio.ensure_future(flights.run("k", load))
    await asyncio.sleep(0)
    first.cancel()
    gate.set()
    assert await second == "value"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_failed_load_fails_its_waiters_and_is_forgotten() -> None:
    flights: SingleFlight[str] = SingleFlight()

    async def broken() -> str:
        await asyncio.sleep(0)
        raise RuntimeError("database down")

    results = await asyncio.gather(
        *(flights.run("k", broken) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results) and len(flights) == 0

    async def fine() -> str:
        return "ok"

    assert await flights.run("k", fine) == "ok"


async def test_directory_cache_loads_an_expired_entry_once(
    container: Container, clock: FrozenClock
) -> None:
    tenant = await container.tenants.create("dir-sf", by=ChangedBy.cli())
    created = await container.applications.create(
        tenant, ApplicationSpec(name="m2m", app_type=AppType.NON_INTERACTIVE), by=ChangedBy.cli()
    )
    client_id = created.application.client_id
    directory = container.directory
    real_db = directory._db
    reads: list[int] = []

    class CountingDb:  # the real database; only its read sessions are counted
        def __getattr__(self, name: str) -> object:
            return getattr(real_db, name)

        @asynccontextmanager
        async def read(self) -> AsyncIterator[UnitOfWork]:
            reads.append(1)
            async with real_db.read() as uow:
                yield uow

    directory._db = CountingDb()  # type: ignore[assignment]
    if await directory.generation() is None:
        pytest.skip("directory caching is off on this backend")
    for _ in range(2):  # cold, then expired
        apps = await asyncio.gather(
            *(directory.application(tenant.id, client_id) for _ in range(16))
        )
        assert {app.client_id for app in apps if app is not None} == {client_id}
        clock.advance(timedelta(seconds=61))
    assert len(reads) == 2
    # Unknown client ids are not cached, and their loads leave nothing behind.
    assert await directory.application(tenant.id, "nobody") is None
    assert len(directory._loads) == 0
