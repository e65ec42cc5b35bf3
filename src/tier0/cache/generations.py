"""The directory generation: one value every node reads before it trusts a cached read.

Tenants, applications, APIs, client grants and signing keys change rarely and are read on
every token request. Nodes cache them in process (:mod:`tier0.services.directory_cache`),
and every committed change to those tables bumps this number right after its commit
(:class:`tier0.storage.sql.engine.SqlDatabase` detects the change, whatever wrote it: a
service, the management API, the CLI, ``tier0 apply`` or a key rotation). A cached entry is
served only while the generation it was loaded under is still the current one, so a change
made on any node is seen by every node on its next request.

Where the number lives must be shared by every process that can write the directory:

* scale-out (``redis_url``): a Redis key, set by writers, read by readers;
* embedded (SQLite in the data directory): an 8-byte file beside the database, so a
  ``tier0`` CLI command run next to ``tier0 serve`` (and every worker of it) invalidates
  the server's cache too. The file is memory-mapped (shared), so reading it is a memory
  read with no system call: a token request reads it several times, and on a virtual
  machine each ``pread`` cost tens of microseconds. Every process maps the same page-cache
  page, so a bump by any of them is seen by the next read of all the others.

A bump writes a fresh random 63-bit value rather than incrementing: a counter that went back
(Redis restarted without persistence, a flushed database) could return to a value an old
entry was tagged with and make it valid again; a random value is never seen twice.

A generation that cannot be read (Redis down) answers ``None``: callers then read the
database and cache nothing, so an outage degrades to the uncached speed, never to stale data.

Reading the Redis key costs a round trip (0.15-0.6 ms of CPU in redis-py's asyncio client on
the reference machine), and a token request makes several cached reads. Two things bound it:

* *Once per request.* The HTTP edge opens a request scope (:func:`request_scope`); the first
  read in it is remembered for the rest of the request. A request therefore sees the
  directory as of its first read: a change committed and announced before that read is
  seen, one announced while the request runs is seen by the next request (the window is the
  rest of one request, on top of the commit-to-bump window). A bump made by the request
  itself forgets the remembered value, so its own later reads see its own change.
* *One round trip for concurrent reads* (:class:`tier0.cache.coalesce.Coalescer`): while a
  read is in flight, readers that arrive queue for the *next* one, which is sent after they
  arrived. No reader ever gets a value read before it asked, so sharing adds no staleness.
"""

from __future__ import annotations

import logging
import mmap
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Protocol

import redis.asyncio as aioredis
import redis.exceptions as redis_errors

from tier0.cache.coalesce import Coalescer

__all__ = [
    "FileGenerations",
    "Generations",
    "RedisGenerations",
    "begin_request",
    "end_request",
    "request_scope",
]

_log = logging.getLogger(__name__)

#: The generation read in the current request (empty until the first read), or None outside
#: a request scope (CLI, background jobs): then every read goes to Redis.
_REQUEST_MEMO: ContextVar[list[int | None] | None] = ContextVar(
    "tier0_directory_generation", default=None
)


def begin_request() -> Token[list[int | None] | None]:
    """Open a request scope: the first generation read in it is remembered for the rest of
    the request (see the module doc). Close it with `end_request(token)`."""
    return _REQUEST_MEMO.set([])


def end_request(token: Token[list[int | None] | None]) -> None:
    _REQUEST_MEMO.reset(token)


@contextmanager
def request_scope() -> Iterator[None]:
    """`begin_request` and `end_request` as a context manager."""
    token = begin_request()
    try:
        yield
    finally:
        end_request(token)


class Generations(Protocol):
    """A shared directory generation: a value that changes on every directory change."""

    async def current(self) -> int | None:
        """The generation now, or ``None`` when it cannot be read (cache nothing)."""
        ...

    async def bump(self) -> None:
        """Change the generation (after a committed directory change). Never raises."""
        ...

    async def aclose(self) -> None: ...


_SIZE = 8  # bytes of the generation file


def _fresh() -> int:
    return secrets.randbits(63)


class FileGenerations:
    """The generation as a little-endian 64-bit number in a 0600 file (embedded mode)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None
        self._map: mmap.mmap | None = None

    def _open(self) -> int:
        if self._fd is None:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < _SIZE:
                    # A new file reads as generation 0 (as a short read did); growing it
                    # never overwrites a value another process has just written.
                    os.ftruncate(fd, _SIZE)
                self._map = mmap.mmap(fd, _SIZE, flags=mmap.MAP_SHARED)
            except (OSError, ValueError):
                _log.warning("directory generation file not mapped; reading it per call")
                self._map = None
            self._fd = fd
        return self._fd

    def _read(self, fd: int) -> int:
        if self._map is not None:
            return int.from_bytes(self._map[:_SIZE], "little")
        return int.from_bytes(os.pread(fd, _SIZE, 0).ljust(_SIZE, b"\0"), "little")

    async def current(self) -> int | None:
        try:
            return self._read(self._open())
        except OSError:
            _log.exception("directory generation file unreadable; reading uncached")
            return None

    async def bump(self) -> None:
        try:
            # One 8-byte write in place: a reader racing it sees the old value, the new one
            # or (at worst) a torn mix, which matches no entry and only costs a miss.
            os.pwrite(self._open(), _fresh().to_bytes(_SIZE, "little"), 0)
        except OSError:
            _log.exception("directory generation not advanced: caches may lag until their TTL")

    async def aclose(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class RedisGenerations:
    """The generation as one Redis key shared by every node (scale-out mode)."""

    KEY = "tier0:directory:generation"

    def __init__(self, client: aioredis.Redis, *, key: str = KEY) -> None:
        self._client = client
        self._key = key
        #: Concurrent reads share a round trip; `reads.sends` counts the round trips.
        self.reads: Coalescer[None, int | None] = Coalescer(self._read_for)

    @classmethod
    def from_url(cls, url: str, *, timeout_s: float = 0.5) -> RedisGenerations:
        return cls(
            aioredis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        )

    async def current(self) -> int | None:
        memo = _REQUEST_MEMO.get()
        if memo:
            return memo[0]
        value = await self.reads.submit(None)
        if memo is not None:
            memo.append(value)
        return value

    async def _read_for(self, waiting: list[None]) -> list[int | None]:
        value = await self._read()
        return [value] * len(waiting)

    async def _read(self) -> int | None:
        try:
            value = await self._client.get(self._key)
            if value is None:  # first use, or Redis lost it: start from a value never seen
                await self._client.set(self._key, _fresh(), nx=True)
                value = await self._client.get(self._key)
        except (redis_errors.RedisError, OSError):
            _log.warning("directory generation unavailable (Redis); reading uncached")
            return None
        return int(value) if value is not None else None

    async def bump(self) -> None:
        try:
            await self._client.set(self._key, _fresh())
        except (redis_errors.RedisError, OSError):
            # The change is committed; other nodes see it when their entries' TTL ends.
            _log.error("directory generation not advanced (Redis): caches lag until their TTL")
        memo = _REQUEST_MEMO.get()
        if memo:  # this request's later reads must see its own change
            memo.clear()

    async def aclose(self) -> None:
        await self._client.aclose()
