"""Log-stream secrets (webhook signing keys, Splunk and Datadog tokens) live in the tenant's
versioned secret store, under ``log-streams/<stream id>`` (issue 7: the app reads its own
operational secrets from the store, every read audited).

The relay builds a sender for every batch, so the value is cached per stream and version in
process memory: each node reads (and audits) a version once, and a new version (``tier0
secret put log-streams/<stream id>``) is picked up by the next batch. Without the cache every
``secret.read`` event would itself be streamed, and need another read.

Streams created before the store held their secret kept it sealed in ``log_streams``;
``StreamService.move_legacy_secrets`` moves those into the store at start-up.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from tier0.audit.event import Actor
from tier0.audit.streams.model import LogStream
from tier0.errors import NotFound

PREFIX: Final = "log-streams/"
READER: Final = Actor.system("log-streams")


class SecretStorePort(Protocol):
    """The parts of :class:`tier0.secrets.store.SecretStore` streams use."""

    async def put_in(
        self,
        uow: Any,
        tenant_id: str,
        name: str,
        value: bytes,
        *,
        actor: Actor,
        audited_by_caller: bool = False,
    ) -> int: ...
    async def delete_in(
        self, uow: Any, tenant_id: str, name: str, *, version: int | None = None, actor: Actor
    ) -> int: ...
    async def read(
        self, tenant_id: str, name: str, *, version: int | None = None, actor: Actor
    ) -> tuple[int, bytes]: ...
    async def latest_version(self, tenant_id: str, name: str) -> int: ...


def secret_name(stream: LogStream) -> str:
    """By id, not name: a stream can be renamed, its secret stays put."""
    return PREFIX + stream.id


class StreamSecrets:
    def __init__(self, store: SecretStorePort) -> None:
        self._store = store
        self._cache: dict[str, tuple[int, bytes]] = {}

    def __repr__(self) -> str:
        return "StreamSecrets()"

    async def put(
        self, uow: Any, stream: LogStream, value: str, *, actor: Actor, audited: bool
    ) -> None:
        """Store a new version; ``audited``: the caller's event in ``uow`` records it."""
        await self._store.put_in(
            uow,
            stream.tenant_id,
            secret_name(stream),
            value.encode(),
            actor=actor,
            audited_by_caller=audited,
        )

    async def delete(self, uow: Any, stream: LogStream, *, actor: Actor) -> None:
        self._cache.pop(stream.id, None)
        await self._store.delete_in(uow, stream.tenant_id, secret_name(stream), actor=actor)

    async def value(self, stream: LogStream) -> bytes | None:
        """The newest version of the stream's secret; ``None`` if the store has none."""
        name = secret_name(stream)
        latest = await self._store.latest_version(stream.tenant_id, name)
        if latest == 0:
            return None
        cached = self._cache.get(stream.id)
        if cached is not None and cached[0] == latest:
            return cached[1]
        try:
            version, secret = await self._store.read(stream.tenant_id, name, actor=READER)
        except NotFound:  # deleted between the two calls
            return None
        self._cache[stream.id] = (version, secret)
        return secret
