"""The storage port of log streams (cursor, lease and retry state live with the stream)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from tier0.audit.streams.model import LogStream, StreamStatus


class StreamRepo(Protocol):
    async def add(self, stream: LogStream, sealed_secret: bytes | None) -> None: ...
    async def get(self, tenant_id: str, stream_id: str) -> LogStream | None: ...
    async def get_by_name(self, tenant_id: str, name: str) -> LogStream | None: ...
    async def list(self, tenant_id: str) -> Sequence[LogStream]: ...
    async def sealed_secret(self, stream_id: str) -> bytes | None: ...
    async def with_sealed_secret(self) -> Sequence[tuple[LogStream, bytes]]:
        """Streams whose secret is still sealed in their row (before the secret store)."""
        ...

    async def clear_secret(self, stream_id: str) -> None: ...
    async def delete(self, tenant_id: str, stream_id: str) -> bool: ...

    async def update(self, stream: LogStream, sealed_secret: bytes | None) -> None:
        """Store a stream's name, settings, filter and status (and a new sealed secret, if
        one is given); the relay's cursor and lease are left alone."""
        ...

    async def due(
        self, now: datetime, *, tenants: Collection[str] | None = None
    ) -> Sequence[LogStream]:
        """Active streams (of ``tenants``, if given) whose lease is free and whose next
        attempt time has come."""
        ...

    async def claim(self, stream_id: str, owner: str, now: datetime, until: datetime) -> bool:
        """Take the stream's lease if it is free (or expired); True if this owner has it."""
        ...

    async def advance(self, stream_id: str, owner: str, cursor: int) -> bool:
        """Move the cursor after a delivery, if ``owner`` still holds the lease."""
        ...

    async def failed(
        self,
        stream_id: str,
        owner: str,
        *,
        failures: int,
        next_attempt_at: datetime | None,
        status: StreamStatus,
        error: str,
    ) -> None: ...

    async def release(self, stream_id: str, owner: str) -> None: ...

    async def reset(self, stream_id: str, cursor: int) -> None:
        """Replay: set the cursor, clear failures and the lease, and reactivate."""
        ...
