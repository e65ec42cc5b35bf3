"""Cached reads of the directory: tenants, applications, APIs and client grants.

Every token request needs its tenant, its client, the client's grants and the API; reading
them costs a database session each (~3 ms of CPU on SQLite through the async ORM), many
times what minting the token costs. They change rarely, so each node keeps them in memory.

Consistency: an entry is served only while the shared directory generation
(:mod:`tier0.cache.generations`) still has the value it was loaded under. Every committed
change to these tables bumps the generation right after its commit, whichever path made it
(the storage layer detects the write, so services, the management API, the CLI,
``tier0 apply`` and key rotation are all covered). The generation is read *before* the
database, so an entry loaded while a change commits carries the older number and is dropped
on the next read. The window in which another node may still serve the old value is the
time between the commit and the bump (one Redis round trip, or one file write embedded).
``ttl`` bounds it should a node die between the two, or Redis refuse the bump.

Concurrent misses of one entry (it expired, or was invalidated, while requests were in
flight) share one load (:class:`tier0.single_flight.SingleFlight`), keyed by the entry and
the generation the callers read; reads inside a caller's transaction never share.

Misses are not cached (an unknown tenant or client id is attacker-chosen and would only
fill memory); secrets stay what the database holds, keyed hashes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from tier0.cache.generations import Generations
from tier0.clock import Clock
from tier0.domain import Application, ClientGrant, ResourceServer, Tenant
from tier0.single_flight import SingleFlight
from tier0.storage.ports import Database, UnitOfWork

__all__ = ["DirectoryCache"]

_T = TypeVar("_T")

#: Backstop lifetime of an entry (see the module docstring).
DEFAULT_TTL = timedelta(seconds=60)
#: Entries per node; a node serving more is cleared and refilled (never evicts unsafely).
DEFAULT_MAX_ENTRIES = 20_000


class DirectoryCache:
    """Generation-validated, in-process cache of directory reads (one per node)."""

    def __init__(
        self,
        db: Database,
        generations: Generations | None,
        clock: Clock,
        *,
        ttl: timedelta = DEFAULT_TTL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self._db = db
        self._generations = generations
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._entries: dict[tuple[str, ...], tuple[int, datetime, Any]] = {}
        self._loads: SingleFlight[Any] = SingleFlight()

    async def generation(self) -> int | None:
        """The current shared generation (``None``: caching is off or unavailable)."""
        return None if self._generations is None else await self._generations.current()

    def clear(self) -> None:
        """Drop every entry of this node (its own writes also bump the shared number)."""
        self._entries.clear()

    async def _cached(
        self,
        key: tuple[str, ...],
        load: Callable[[UnitOfWork], Awaitable[_T | None]],
        uow: UnitOfWork | None = None,
    ) -> _T | None:
        generation = await self.generation()
        now = self._clock.now()
        if generation is not None:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == generation and now < entry[1]:
                value: _T = entry[2]
                return value
        if uow is not None:  # inside the caller's transaction: no second connection
            loaded = await load(uow)
        elif generation is None:
            return await self._read(load)
        else:
            # Every request in flight misses an expired entry at once: one reads it.
            loaded = await self._loads.run((key, generation), lambda: self._read(load))
        if generation is not None and loaded is not None:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = (generation, now + self._ttl, loaded)
        return loaded

    async def _read(self, load: Callable[[UnitOfWork], Awaitable[_T | None]]) -> _T | None:
        async with self._db.read() as read:
            return await load(read)

    async def tenant_by_name(self, name: str) -> Tenant | None:
        return await self._cached(("tenant", name), lambda uow: uow.tenants.get_by_name(name))

    async def application(self, tenant_id: str, client_id: str) -> Application | None:
        return await self._cached(
            ("app", tenant_id, client_id),
            lambda uow: uow.applications.get(tenant_id, client_id),
        )

    async def client_grants(self, tenant_id: str, client_id: str) -> Sequence[ClientGrant]:
        async def load(uow: UnitOfWork) -> tuple[ClientGrant, ...]:
            return tuple(await uow.client_grants.list(tenant_id, client_id=client_id))

        return await self._cached(("grants", tenant_id, client_id), load) or ()

    async def resource_server(
        self, tenant_id: str, identifier: str, *, uow: UnitOfWork | None = None
    ) -> ResourceServer | None:
        """The API by identifier; on a miss read through ``uow`` when the caller holds a
        transaction (a second pooled connection per request would halve the pool)."""
        return await self._cached(
            ("api", tenant_id, identifier),
            lambda read: read.resource_servers.get_by_identifier(tenant_id, identifier),
            uow,
        )

    async def cached_resource_server(
        self, tenant_id: str, identifier: str
    ) -> ResourceServer | None:
        """The API by identifier if this node holds it, current, now; else None (nothing is
        read: the caller reads it, in its own transaction, through :meth:`resource_server`)."""
        generation = await self.generation()
        entry = self._entries.get(("api", tenant_id, identifier))
        if generation is None or entry is None or entry[0] != generation:
            return None
        if not self._clock.now() < entry[1]:
            return None
        found: ResourceServer = entry[2]
        return found

    async def resource_servers(self, tenant_id: str) -> Sequence[ResourceServer]:
        async def load(uow: UnitOfWork) -> tuple[ResourceServer, ...]:
            return tuple(await uow.resource_servers.list(tenant_id, offset=0, limit=1000))

        return await self._cached(("apis", tenant_id), load) or ()
