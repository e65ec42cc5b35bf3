"""Shared fixtures: a frozen clock and one CounterStore per backend (memory, Redis when
TIER0_TEST_REDIS_URL is set, and the failover store with its Redis down)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from tier0.cache.counters import CounterStore
from tier0.cache.failover import FailoverCounterStore
from tier0.cache.memory import MemoryCounterStore
from tier0.cache.redis import RedisCounterStore
from tier0.clock import FrozenClock
from tier0.protection.keys import KeyHasher

REDIS_URL = os.environ.get("TIER0_TEST_REDIS_URL")


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def dead_redis_url() -> str:
    """A Redis URL on a closed loopback port: every command fails to connect (AV-05)."""
    return f"redis://127.0.0.1:{closed_port()}/0"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def hasher() -> KeyHasher:
    """Counter-key pseudonymiser with a test-only secret."""
    return KeyHasher(b"protection-test-secret-0123456789")


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        "failover-redis-down",
    ]
)
async def store(
    request: pytest.FixtureRequest, clock: FrozenClock, dead_redis_url: str
) -> AsyncIterator[CounterStore]:
    """Every test using this runs once per backend."""
    kind: str = request.param
    if kind == "memory":
        yield MemoryCounterStore(clock)
    elif kind == "redis":
        if not REDIS_URL:
            pytest.skip("TIER0_TEST_REDIS_URL is not set")
        prefix = f"tier0test:{secrets.token_hex(8)}:"
        redis_store = RedisCounterStore.from_url(REDIS_URL, clock, prefix=prefix)
        yield redis_store
        cleaner = aioredis.Redis.from_url(REDIS_URL)
        async for key in cleaner.scan_iter(match=prefix + "*"):
            await cleaner.delete(key)
        await cleaner.aclose()
        await redis_store.aclose()
    else:
        dead = RedisCounterStore.from_url(dead_redis_url, clock)
        yield FailoverCounterStore(dead, MemoryCounterStore(clock), clock)
        await dead.aclose()
