"""Per-user data keys for personal data, so erasing one user can shred their key
(issue 7: "a data key per tenant, and per user for PII when enabled"; DP-05).

Hierarchy, for a tenant with ``privacy.per_user_keys`` on::

    KEK (KMS) ── wraps ──> user-key wrapping key (UWK), one current version per tenant
                            └─ AES-256-GCM ──> user data key, one per user (user_keys)
                                               └─ HKDF "pii-fields" ──> seals that user's PII

Why a UWK and not the KMS for every user key: a cloud KMS call per user key would cost a
network round trip on every cold sign-in and one call per user on every rewrap. Why the UWK
is *replaced* on erasure: a backup still holds the erased user's sealed key, and it must not
open with any key that stays live. Erasure therefore moves every surviving user key of the
tenant to a fresh UWK version and deletes the old one; the KEK that wrapped the old UWK is
then rotated and destroyed (:mod:`tier0.privacy.shredding`), so the backup's copy of the
old UWK is unreadable too.

The blind index of the email stays under the *tenant* key: sign-in must find a user by
email before it knows who they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final, Protocol

from tier0.clock import Clock
from tier0.crypto.aead import aad_for, generate_key, open_, seal
from tier0.crypto.kms.base import Kms, WrappedKey

if TYPE_CHECKING:  # the storage port names this module's repo protocol
    from tier0.storage.ports import Database, UnitOfWork

SETTING: Final = "per_user_keys"
SECTION: Final = "privacy"
TABLE: Final = "user_keys"


def per_user_keys_enabled(settings: Mapping[str, object]) -> bool:
    """Whether new writes of a tenant's users get per-user keys (``privacy.per_user_keys``)."""
    section = settings.get(SECTION)
    return isinstance(section, Mapping) and section.get(SETTING) is True


@dataclass(frozen=True, slots=True)
class StoredWrapKey:
    tenant_id: str
    version: int
    wrapped: str


@dataclass(frozen=True, slots=True)
class StoredUserKey:
    user_id: str
    wrap_version: int
    sealed: bytes = field(repr=False)


class UserKeyReads(Protocol):
    """What opening stored user keys reads (:meth:`UserKeyring.load`)."""

    async def get_wrap(self, tenant_id: str, version: int) -> StoredWrapKey | None: ...
    async def keys(self, tenant_id: str, user_ids: Iterable[str] | None) -> list[StoredUserKey]: ...


class UserKeyRepo(Protocol):
    async def latest_wrap(self, tenant_id: str) -> StoredWrapKey | None: ...
    async def get_wrap(self, tenant_id: str, version: int) -> StoredWrapKey | None: ...
    async def add_wrap(self, key: StoredWrapKey, at: datetime) -> None: ...
    async def replace_wrap(self, key: StoredWrapKey) -> None: ...
    async def all_wraps(self) -> Sequence[StoredWrapKey]: ...
    async def delete_wraps_below(self, tenant_id: str, version: int) -> int: ...
    async def keys(self, tenant_id: str, user_ids: Iterable[str] | None) -> list[StoredUserKey]: ...
    async def keys_below(self, tenant_id: str, version: int) -> list[StoredUserKey]: ...
    async def add_key(self, tenant_id: str, key: StoredUserKey, at: datetime) -> None: ...
    async def replace_key(self, key: StoredUserKey) -> None: ...


def new_user_key() -> bytes:
    """A fresh 256-bit user data key (``secrets``-backed, DP-06)."""
    return generate_key()


def _context(tenant_id: str, version: int) -> dict[str, str]:
    return {"tenant_id": tenant_id, "purpose": "user-wrap-key", "version": str(version)}


def _aad(tenant_id: str, user_id: str) -> bytes:
    return aad_for(tenant_id, TABLE, "sealed_key", user_id)


class UserKeyring:
    """Creates, opens and re-wraps per-user data keys; caches only unwrapped UWKs."""

    def __init__(self, kms: Kms, clock: Clock) -> None:
        self._kms = kms
        self._clock = clock
        self._wraps: dict[tuple[str, int], bytes] = {}

    def __repr__(self) -> str:
        return "UserKeyring()"

    async def _wrap_key(self, repo: UserKeyReads, tenant_id: str, version: int) -> bytes:
        cached = self._wraps.get((tenant_id, version))
        if cached is not None:
            return cached
        stored = await repo.get_wrap(tenant_id, version)
        if stored is None:
            raise LookupError("the user-key wrapping key is gone (shredded)")
        key = await self._unwrap(stored)
        return key

    async def _unwrap(self, stored: StoredWrapKey) -> bytes:
        context = _context(stored.tenant_id, stored.version)
        key = await self._kms.unwrap(WrappedKey.from_text(stored.wrapped), context=context)
        self._wraps[(stored.tenant_id, stored.version)] = key
        return key

    async def _new_wrap(self, repo: UserKeyRepo, tenant_id: str, version: int) -> bytes:
        key = generate_key()
        wrapped = await self._kms.wrap(key, context=_context(tenant_id, version))
        await repo.add_wrap(StoredWrapKey(tenant_id, version, wrapped.to_text()), self._clock.now())
        self._wraps[(tenant_id, version)] = key
        return key

    async def store(self, repo: UserKeyRepo, tenant_id: str, user_id: str, user_key: bytes) -> None:
        """Store ``user_key`` (from :func:`new_user_key`) sealed under the tenant's current
        UWK, after the user's row. The current version is read inside the caller's
        transaction, never from a cache."""
        current = await repo.latest_wrap(tenant_id)
        if current is None:
            version, wrap = 1, await self._new_wrap(repo, tenant_id, 1)
        else:
            version = current.version
            wrap = self._wraps.get((tenant_id, version)) or await self._unwrap(current)
        sealed = seal(wrap, user_key, aad=_aad(tenant_id, user_id))
        await repo.add_key(tenant_id, StoredUserKey(user_id, version, sealed), self._clock.now())

    async def load(
        self, repo: UserKeyReads, tenant_id: str, user_ids: Iterable[str] | None
    ) -> dict[str, bytes]:
        """The data keys of those users that have one (``None``: every user of the tenant)."""
        found: dict[str, bytes] = {}
        for stored in await repo.keys(tenant_id, user_ids):
            wrap = await self._wrap_key(repo, tenant_id, stored.wrap_version)
            found[stored.user_id] = open_(wrap, stored.sealed, aad=_aad(tenant_id, stored.user_id))
        return found

    async def replace_wrap_key(self, db: Database, tenant_id: str) -> int:
        """Move the tenant's user keys to a fresh UWK version and delete the older versions;
        return the new version. Two transactions: once the new version is committed, new
        users are sealed under it, so the second can move every older key and drop the old
        versions (the foreign key refuses a drop that would orphan a key)."""
        async with db.transaction() as uow:
            repo = uow.user_keys
            latest = await repo.latest_wrap(tenant_id)
            version = (latest.version if latest else 0) + 1
            fresh = await self._new_wrap(repo, tenant_id, version)
        async with db.transaction() as uow:
            repo = uow.user_keys
            for stored in await repo.keys_below(tenant_id, version):
                old = await self._wrap_key(repo, tenant_id, stored.wrap_version)
                user_key = open_(old, stored.sealed, aad=_aad(tenant_id, stored.user_id))
                sealed = seal(fresh, user_key, aad=_aad(tenant_id, stored.user_id))
                await repo.replace_key(StoredUserKey(stored.user_id, version, sealed))
            await repo.delete_wraps_below(tenant_id, version)
        self.forget(tenant_id, keep=version)
        return version

    async def rewrap(self, uow: UnitOfWork) -> int:
        """Re-wrap every stored UWK under the KMS's current KEK (no user key changes)."""
        count = 0
        for stored in await uow.user_keys.all_wraps():
            context = _context(stored.tenant_id, stored.version)
            key = await self._kms.unwrap(WrappedKey.from_text(stored.wrapped), context=context)
            wrapped = await self._kms.wrap(key, context=context)
            await uow.user_keys.replace_wrap(
                StoredWrapKey(stored.tenant_id, stored.version, wrapped.to_text())
            )
            count += 1
        return count

    def forget(self, tenant_id: str, *, keep: int | None = None) -> None:
        """Drop cached UWKs of a tenant (all, or all but version ``keep``)."""
        for cached in [k for k in self._wraps if k[0] == tenant_id and k[1] != keep]:
            del self._wraps[cached]
