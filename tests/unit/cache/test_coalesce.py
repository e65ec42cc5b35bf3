"""The coalescer behind shared counters: one call for concurrent callers, in order, and no
caller left waiting when another fails or is cancelled (tier0.cache.coalesce)."""

from __future__ import annotations

import asyncio

import pytest

from tier0.cache.coalesce import Coalescer


class Remote:
    """Stands in for the server: records each batch and holds it until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.fail: Exception | None = None

    async def send(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return [item * 10 for item in items]


async def test_queued_callers_share_one_call_and_get_their_own_results() -> None:
    remote = Remote()
    coalescer = Coalescer(remote.send)
    tasks = [asyncio.create_task(coalescer.submit(i)) for i in range(6)]
    await asyncio.sleep(0)
    remote.gate.set()
    assert await asyncio.gather(*tasks) == [0, 10, 20, 30, 40, 50]
    assert remote.batches == [[0], [1, 2, 3, 4, 5]]  # the first went at once, alone
    assert (coalescer.sends, coalescer.items) == (2, 6)
    assert await coalescer.submit(7) == 70  # idle again: sent at once


async def test_a_failed_call_fails_its_whole_batch_and_the_next_one_runs() -> None:
    remote = Remote()
    coalescer = Coalescer(remote.send)
    first = asyncio.create_task(coalescer.submit(1))
    await asyncio.sleep(0)
    queued = [asyncio.create_task(coalescer.submit(i)) for i in (2, 3)]
    await asyncio.sleep(0)
    remote.fail = ConnectionError("down")
    remote.gate.set()
    outcomes = await asyncio.gather(first, *queued, return_exceptions=True)
    assert isinstance(outcomes[0], ConnectionError)
    assert all(isinstance(o, ConnectionError) for o in outcomes[1:])
    remote.fail = None
    assert await coalescer.submit(4) == 40


async def test_a_cancelled_leader_hands_its_batch_back_to_be_sent_again() -> None:
    remote = Remote()
    coalescer = Coalescer(remote.send)
    leader = asyncio.create_task(coalescer.submit(1))
    await asyncio.sleep(0)
    follower = asyncio.create_task(coalescer.submit(2))
    await asyncio.sleep(0)
    leader.cancel()
    await asyncio.sleep(0)
    remote.gate.set()
    assert await follower == 20  # resubmitted, never left waiting
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_cancelled_waiter_is_dropped_and_does_not_stall_the_queue() -> None:
    remote = Remote()
    coalescer = Coalescer(remote.send)
    leader = asyncio.create_task(coalescer.submit(1))
    await asyncio.sleep(0)
    gone = asyncio.create_task(coalescer.submit(2))
    kept = asyncio.create_task(coalescer.submit(3))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    remote.gate.set()
    assert (await leader, await kept) == (10, 30)
    assert remote.batches == [[1], [3]]
