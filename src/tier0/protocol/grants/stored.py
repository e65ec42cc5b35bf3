"""What the grants that redeem a stored artefact of a user's grant share: the authorization
code and the refresh token both look up a keyed hash, run one transaction, mint tokens and
record events."""

from __future__ import annotations

from tier0.clock import Clock
from tier0.protocol.events import TokenEvents
from tier0.protocol.grants.base import TokenPolicy
from tier0.protocol.grants.family import HashKeys
from tier0.protocol.grants.minting import TokenMinter
from tier0.storage.ports import Database


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
    ) -> None:
        self._db = db
        self._hash_keys = hash_keys
        self._minter = minter
        self._clock = clock
        self._policy = policy
        self._events = events
