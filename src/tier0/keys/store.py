"""The ``KeyStore`` port: signing keys as stored, private half sealed (never in clear)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tier0.keys.model import KeyState


@dataclass(frozen=True)
class StoredSigningKey:
    """One row of ``signing_keys``. ``sealed_private_jwk`` is AES-256-GCM ciphertext."""

    tenant_id: str
    kid: str
    alg: str
    state: KeyState
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None
    not_after: datetime | None
    public_jwk: Mapping[str, Any]
    sealed_private_jwk: bytes = field(repr=False)


class KeyStore(Protocol):
    """Signing keys of tenants, inside one transaction."""

    async def lock(self, tenant_id: str) -> None:
        """Serialise key changes of one tenant until the transaction ends (two nodes
        rotating at once must not both create an active key)."""
        ...

    async def list(self, tenant_id: str) -> Sequence[StoredSigningKey]:
        """Every key of the tenant, oldest first."""
        ...

    async def add(self, key: StoredSigningKey) -> None: ...

    async def update(self, key: StoredSigningKey) -> None:
        """Store the lifecycle fields (state and timestamps) of an existing key."""
        ...

    async def delete(self, tenant_id: str, kids: Sequence[str]) -> int:
        """Remove keys for good; returns how many went."""
        ...
