"""Crypto-shredding of key-encryption keys (DP-03, DP-05; NIST SP 800-88r1 cryptographic
erase).

A backup holds every wrapped key the database held. To make a deleted key unreadable *in
backups* as well, the KEK that wrapped it must go: rotate the KEK, re-wrap every key that
survives (tenant data keys and user-key wrapping keys, whose values do not change), then
destroy every older KEK version where the KMS can (the local key file; AWS KMS and Vault
keep old versions until an operator schedules their deletion, see docs/secrets.md).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from tier0.crypto.kms.base import Kms
from tier0.services.keyring import TenantKeyring


@runtime_checkable
class ShreddableKms(Protocol):
    """A KMS whose old KEK versions can be listed and destroyed (the local key file)."""

    @property
    def key_ids(self) -> tuple[str, ...]: ...
    async def destroy(self, key_id: str) -> None: ...


async def shred_kek(kms: Kms, keyring: TenantKeyring) -> dict[str, Any]:
    """Move every surviving wrapped key to a fresh KEK and destroy the old KEK versions."""
    new_key = await kms.rotate()
    rewrapped = await keyring.rewrap_all()
    destroyed: list[str] = []
    if isinstance(kms, ShreddableKms):
        for key_id in kms.key_ids:
            if key_id != new_key:
                await kms.destroy(key_id)
                destroyed.append(key_id)
    return {
        "current": new_key,
        "rewrapped_data_keys": rewrapped,
        "destroyed": destroyed,
        "shredded": bool(destroyed),
    }
