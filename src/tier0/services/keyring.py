"""Tenant data keys: one random 256-bit key per tenant, stored only wrapped by the KMS.

Subkeys are derived from it with HKDF, one per purpose, so a keyed hash of a client secret can
never be confused with a field ciphertext. Unwrapped keys are cached in process memory (as
the AWS Encryption SDK's caching does): a cloud KMS call per request would cost more than
the request. Destroying a tenant's wrapped keys makes every derived value unrecoverable
(crypto-shredding, DP-03).
"""

from __future__ import annotations

from tier0.clock import Clock
from tier0.crypto.aead import generate_key
from tier0.crypto.derive import derive_key
from tier0.crypto.keyed_hash import HashKey
from tier0.crypto.kms.base import Kms, WrappedKey
from tier0.errors import NotFound
from tier0.secrets.user_keys import UserKeyring
from tier0.storage.ports import Database, UnitOfWork

# Keyed hashes must stay verifiable for as long as the hashed value lives, so they are
# derived from the tenant's first data key; later versions serve encryption only.
HASH_KEY_VERSION = 1


def _context(tenant_id: str, version: int) -> dict[str, str]:
    return {"tenant_id": tenant_id, "purpose": "tenant-data-key", "version": str(version)}


class TenantKeyring:
    """Creates, unwraps and caches tenant data keys."""

    def __init__(self, db: Database, kms: Kms, clock: Clock) -> None:
        self._db = db
        self._kms = kms
        self._clock = clock
        self._cache: dict[tuple[str, int], bytes] = {}
        self._subkeys: dict[tuple[str, str], bytes] = {}
        self._hash_keys: dict[str, HashKey] = {}
        self.users = UserKeyring(kms, clock)

    async def create(self, uow: UnitOfWork, tenant_id: str) -> None:
        """Make version 1 of a new tenant's data key, inside the tenant's own transaction."""
        key = generate_key()
        wrapped = await self._kms.wrap(key, context=_context(tenant_id, HASH_KEY_VERSION))
        await uow.tenant_keys.add(tenant_id, HASH_KEY_VERSION, wrapped.to_text(), self._clock.now())
        self._cache[(tenant_id, HASH_KEY_VERSION)] = key

    async def data_key(self, tenant_id: str, version: int = HASH_KEY_VERSION) -> bytes:
        cached = self._cache.get((tenant_id, version))
        if cached is not None:
            return cached
        async with self._db.read() as uow:
            stored = await uow.tenant_keys.get(tenant_id, version)
        if stored is None:
            raise NotFound("the tenant has no data key (destroyed?)")
        key = await self._kms.unwrap(
            WrappedKey.from_text(stored.wrapped), context=_context(tenant_id, version)
        )
        self._cache[(tenant_id, version)] = key
        return key

    async def subkey(self, tenant_id: str, purpose: str) -> bytes:
        """A 256-bit key for one purpose, derived from the tenant's data key (kept beside
        the data key it comes from: an HKDF per token request was a measurable cost)."""
        cached = self._subkeys.get((tenant_id, purpose))
        if cached is not None:
            return cached
        derived = derive_key(await self.data_key(tenant_id), purpose=purpose)
        self._subkeys[(tenant_id, purpose)] = derived
        return derived

    async def hash_key(self, tenant_id: str) -> HashKey:
        """The key for keyed hashes of client secrets, codes, tokens and session ids.

        Kept like the subkey it wraps: a HashKey absorbs its key into a prepared HMAC once,
        and building one per call spent that key schedule on every token request."""
        cached = self._hash_keys.get(tenant_id)
        if cached is None:
            cached = self._hash_keys[tenant_id] = HashKey(
                await self.subkey(tenant_id, "keyed-hash")
            )
        return cached

    async def rewrap_all(self) -> int:
        """Re-wrap every stored data key, and every user-key wrapping key, under the KMS's
        current key (after `kms rotate`)."""
        count = 0
        async with self._db.transaction() as uow:
            for stored in await uow.tenant_keys.all():
                context = _context(stored.tenant_id, stored.version)
                key = await self._kms.unwrap(WrappedKey.from_text(stored.wrapped), context=context)
                wrapped = await self._kms.wrap(key, context=context)
                await uow.tenant_keys.replace(
                    type(stored)(stored.tenant_id, stored.version, wrapped.to_text())
                )
                count += 1
            count += await self.users.rewrap(uow)
        return count

    def forget(self, tenant_id: str) -> None:
        """Drop cached keys of a tenant (after destruction)."""
        for cached in [k for k in self._cache if k[0] == tenant_id]:
            del self._cache[cached]
        for derived in [k for k in self._subkeys if k[0] == tenant_id]:
            del self._subkeys[derived]
        self._hash_keys.pop(tenant_id, None)
        self.users.forget(tenant_id)
