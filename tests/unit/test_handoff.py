"""``hop``: the writer-thread hand-off without the shielded executor's three futures keeps
their semantics (result, exception, and a cancellation that waits for the work)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tier0.container import Container
from tier0.handoff import hop


@pytest.fixture
def thread() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(1)
    yield pool
    pool.shutdown()


async def test_the_result_comes_back_from_the_thread(thread: ThreadPoolExecutor) -> None:
    assert await hop(thread, threading.current_thread) is not threading.current_thread()


async def test_an_exception_comes_back_as_raised(thread: ThreadPoolExecutor) -> None:
    def clash() -> None:
        raise sqlite3.IntegrityError("UNIQUE constraint failed")

    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        await hop(thread, clash)


async def test_a_cancelled_caller_waits_for_the_work(thread: ThreadPoolExecutor) -> None:
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def work() -> int:
        started.set()
        release.wait(5)
        finished.set()
        return 1

    task = asyncio.create_task(hop(thread, work))
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    await asyncio.sleep(0.05)
    assert not task.done()  # still waiting for the thread, as a shielded call would
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished.is_set()
    assert await hop(thread, lambda: 2) == 2  # the thread is free again


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_cancelled_sign_in_step_leaves_the_writer_usable(container: Container) -> None:
    writes = container.one_hop
    async with writes.sqlite_steps() as steps:
        task = asyncio.create_task(steps.run(lambda conn: conn.execute("SELECT 1").fetchone()))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await writes.run_sqlite(lambda conn: conn.execute("SELECT 2").fetchone()) == (2,)
