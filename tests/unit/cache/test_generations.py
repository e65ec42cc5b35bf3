"""The directory generation: the embedded file (a bump by any process is seen by every
reader) and the Redis key (read at most once per request, concurrent reads shared)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.conftest import REDIS_URL, skip_or_fail, unique
from tier0.cache.generations import FileGenerations, RedisGenerations, request_scope


async def test_new_file_reads_zero_then_follows_bumps(tmp_path: Path) -> None:
    path = tmp_path / "directory.generation"
    reader, writer = FileGenerations(path), FileGenerations(path)
    try:
        assert await reader.current() == 0
        await writer.bump()
        bumped = await reader.current()
        assert bumped not in (None, 0)
        assert bumped == await writer.current()
        await writer.bump()
        assert await reader.current() not in (None, 0, bumped)
    finally:
        await reader.aclose()
        await writer.aclose()


async def test_a_write_by_another_process_is_seen_without_reopening(tmp_path: Path) -> None:
    """The reader keeps the file mapped: a value another process writes in place (as the
    CLI's bump does) must be what its very next read returns."""
    path = tmp_path / "directory.generation"
    reader = FileGenerations(path)
    try:
        first = await reader.current()
        code = (
            "import os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
            "os.pwrite(fd, (123456789).to_bytes(8, 'little'), 0)"
        )
        subprocess.run([sys.executable, "-c", code, str(path)], check=True)
        assert first == 0
        assert await reader.current() == 123456789
    finally:
        await reader.aclose()


async def test_short_file_of_an_older_version_reads_as_zero(tmp_path: Path) -> None:
    path = tmp_path / "directory.generation"
    path.write_bytes(b"")
    generations = FileGenerations(path)
    try:
        assert await generations.current() == 0
        assert path.stat().st_size == 8
    finally:
        await generations.aclose()


# -- the Redis generation (scale-out): bounded reads --------------------------------------


@pytest.fixture
async def redis_generations() -> AsyncIterator[tuple[RedisGenerations, RedisGenerations]]:
    """Two nodes' views of one generation key, unique to this test run."""
    if not REDIS_URL:
        skip_or_fail("TIER0_TEST_REDIS_URL is not set")
    assert REDIS_URL is not None
    key = f"tier0-test:{unique('gen')}:directory:generation"
    nodes = (
        RedisGenerations(aioredis.Redis.from_url(REDIS_URL), key=key),
        RedisGenerations(aioredis.Redis.from_url(REDIS_URL), key=key),
    )
    try:
        yield nodes
    finally:
        await nodes[0]._client.delete(key)
        for node in nodes:
            await node.aclose()


async def test_a_request_reads_the_redis_generation_once(
    redis_generations: tuple[RedisGenerations, RedisGenerations],
) -> None:
    reader, _ = redis_generations
    with request_scope():
        first = await reader.current()
        sends = reader.reads.sends
        for _ in range(5):
            assert await reader.current() == first
        assert reader.reads.sends == sends
    with request_scope():  # the next request reads again
        await reader.current()
    assert reader.reads.sends == sends + 1


async def test_a_bump_on_another_node_is_seen_by_the_next_request(
    redis_generations: tuple[RedisGenerations, RedisGenerations],
) -> None:
    reader, writer = redis_generations
    with request_scope():
        before = await reader.current()
    await writer.bump()
    with request_scope():
        assert await reader.current() not in (None, before)


async def test_a_requests_own_bump_is_seen_by_its_later_reads(
    redis_generations: tuple[RedisGenerations, RedisGenerations],
) -> None:
    node, _ = redis_generations
    with request_scope():
        before = await node.current()
        await node.bump()
        after = await node.current()
        assert after not in (None, before)
        assert await node.current() == after


async def test_concurrent_reads_share_round_trips_and_none_is_older_than_its_call(
    redis_generations: tuple[RedisGenerations, RedisGenerations],
) -> None:
    reader, writer = redis_generations
    await reader.current()  # the key exists from here on
    sends = reader.reads.sends
    values = await asyncio.gather(*(reader.current() for _ in range(10)))
    # The first read goes at once; the nine that arrive while it is in flight share one.
    assert reader.reads.sends == sends + 2
    assert len(set(values)) == 1
    # A read that starts after a bump completed never shares a round trip sent before it.
    first = asyncio.ensure_future(reader.current())
    await asyncio.sleep(0)  # the first read is in flight
    await writer.bump()
    bumped = await writer.current()
    assert await reader.current() == bumped
    await first


async def test_outside_a_request_every_read_goes_to_redis(
    redis_generations: tuple[RedisGenerations, RedisGenerations],
) -> None:
    reader, _ = redis_generations
    await reader.current()
    sends = reader.reads.sends
    await reader.current()
    await reader.current()
    assert reader.reads.sends == sends + 2
