"""What the grants that redeem a stored artefact of a user's grant share: the authorization
code and the refresh token both look up a keyed hash, run one transaction, mint tokens and
record events."""

from __future__ import annotations

from tier0.clock import Clock
from tier0.domain import ResourceServer
from tier0.protocol.events import TokenEvents
from tier0.protocol.grants.base import TokenPolicy
from tier0.protocol.grants.family import HashKeys
from tier0.protocol.grants.minting import TokenMinter
from tier0.storage.ports import Database, DirectoryReads, UnitOfWork


class StoredGrant:
    """Holds the parts; subclasses implement ``handle`` (the :class:`Grant` protocol)."""

    def __init__(
        self,
        db: Database,
        hash_keys: HashKeys,
        minter: TokenMinter,
        clock: Clock,
        policy: TokenPolicy,
        events: TokenEvents,
        directory: DirectoryReads | None = None,
    ) -> None:
        self._db = db
        self._directory = directory
        self._hash_keys = hash_keys
        self._minter = minter
        self._clock = clock
        self._policy = policy
        self._events = events

    async def _api(self, uow: UnitOfWork, tenant_id: str, audience: str) -> ResourceServer | None:
        """The API a grant names, from the directory cache when there is one (it is
        invalidated on every committed change) rather than one more statement in the
        redeeming transaction."""
        if self._directory is not None:
            return await self._directory.resource_server(tenant_id, audience, uow=uow)
        return await uow.resource_servers.get_by_identifier(tenant_id, audience)

    async def _api_cached(self, tenant_id: str, audience: str) -> ResourceServer | None:
        """The API from the directory cache if it holds it now, else None (nothing read)."""
        if self._directory is None:
            return None
        return await self._directory.cached_resource_server(tenant_id, audience)

    async def _api_outside(self, tenant_id: str, audience: str) -> ResourceServer | None:
        """The same, outside any transaction (after a rotation committed)."""
        if self._directory is not None:
            return await self._directory.resource_server(tenant_id, audience)
        async with self._db.read() as uow:
            return await uow.resource_servers.get_by_identifier(tenant_id, audience)
