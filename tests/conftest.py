"""Shared fixtures: settings in a temporary data directory, a migrated database per backend
(SQLite file always; PostgreSQL when TIER0_TEST_POSTGRES_URL is set), a frozen clock, a
container with an ASGI client over real HTTP semantics, and one CounterStore per backend
(memory, Redis when TIER0_TEST_REDIS_URL is set, and the failover store with Redis down)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from tier0.cache.counters import CounterStore
from tier0.cache.failover import FailoverCounterStore
from tier0.cache.memory import MemoryCounterStore
from tier0.cache.redis import RedisCounterStore
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.protection.keys import KeyHasher
from tier0.settings import Settings
from tier0.web.app import create_app

# tests.xdist_groups: which modules stay on one xdist worker, and the heavy ones first.
# pytester: for the tests of that scheduling (tests/test_xdist_groups.py).
pytest_plugins = ["pytester", "tests.xdist_groups"]

PG_ADMIN_URL = os.environ.get("TIER0_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TIER0_TEST_REDIS_URL")
REQUIRE_SERVICES = os.environ.get("TIER0_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip a service-backed test locally; in CI (TIER0_REQUIRE_SERVICES=1) fail instead."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, but CI requires it")
    pytest.skip(reason)


def _pg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _fresh_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    if not PG_ADMIN_URL:
        skip_or_fail("TIER0_TEST_POSTGRES_URL is not set")
    import asyncio

    name = f"tier0_test_{secrets.token_hex(6)}"
    admin_url: str = PG_ADMIN_URL or ""

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(_pg_dsn(admin_url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database shared by this test session (tests use unique tenant names)."""
    yield from _fresh_database()


@pytest.fixture(scope="module")
def own_pg_database() -> Iterator[str]:
    """An empty PostgreSQL database of the module's own: for tests that start servers with
    their own data directory (and so their own key file, which must not meet data keys
    wrapped by another test's key: the KMS fails closed on that)."""
    yield from _fresh_database()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | None:
    if backend == "postgres":
        return str(request.getfixturevalue("pg_database"))
    return None  # the SQLite file in the data directory


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded-mode settings in a temporary data directory (SQLite file)."""
    return Settings(data_dir=tmp_path / "data", bcrypt_cost=10, hash_workers=2)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def shared_kms_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One local KMS key file for the whole session's shared PostgreSQL database: once it
    holds data keys, a missing key file is refused (DP-01 fail closed)."""
    return tmp_path_factory.mktemp("kms") / "master.key"


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded data directory (SQLite file and local key file) migrated once per
    worker: each SQLite test starts from a copy, since migrating a new file costs ~0.3 s.
    The test's own `migrate()` still runs (and finds nothing to do)."""
    data_dir = tmp_path_factory.mktemp("migrated") / "data"

    async def build() -> None:
        built = Container.build(Settings(data_dir=data_dir, bcrypt_cost=10, hash_workers=2))
        try:
            await built.migrate()
        finally:
            await built.close()

    asyncio.run(build())
    return data_dir


@pytest.fixture
async def container(
    tmp_path: Path,
    database_url: str | None,
    clock: FrozenClock,
    migrated_store: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Container]:
    """A migrated container on the backend under test."""
    key_file = request.getfixturevalue("shared_kms_key_file") if database_url else None
    if database_url is None:
        shutil.copytree(migrated_store, tmp_path / "data")
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        bcrypt_cost=10,
        hash_workers=2,
        key_file=key_file,
    )
    built = Container.build(settings, clock=clock)
    await built.migrate()
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http


def unique(prefix: str = "t") -> str:
    """A unique, valid tenant name, so tests sharing a PostgreSQL database never collide."""
    return f"{prefix}-{secrets.token_hex(5)}"


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
            skip_or_fail("TIER0_TEST_REDIS_URL is not set")
        assert REDIS_URL is not None
        prefix = f"tier0test:{secrets.token_hex(8)}:"
        # A generous timeout: a loaded test machine must not look like a Redis outage.
        redis_store = RedisCounterStore.from_url(REDIS_URL, clock, prefix=prefix, timeout_s=5)
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
