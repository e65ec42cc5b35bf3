"""Field encryption for personal data at rest (DP-02), with blind indexes for lookups.

Every value is sealed with AES-256-GCM under a subkey of the tenant's data key (purpose
``pii-fields``); the associated data binds tenant, table, column and row id, so a
ciphertext copied into another row or column does not open. Equality lookups (sign-in by
email, uniqueness) use a *blind index*: an HMAC of the normalised value under a second,
independent subkey, so the database can match values it cannot read.
"""

from __future__ import annotations

from typing import Final, Protocol

from tier0.crypto.aead import aad_for, open_, seal
from tier0.crypto.derive import derive_key
from tier0.crypto.keyed_hash import HashKey
from tier0.secrets.user_keys import UserKeyring

FIELD_PURPOSE: Final = "pii-fields"
EMAIL_INDEX_PURPOSE: Final = "email-index"


class SubkeySource(Protocol):
    """Per-tenant subkeys (the tenant keyring)."""

    async def subkey(self, tenant_id: str, purpose: str) -> bytes: ...


class TenantFields:
    """Seals, opens and indexes the fields of one tenant (keys derived once per use)."""

    __slots__ = ("_field_key", "_index_key", "tenant_id")

    def __init__(self, tenant_id: str, field_key: bytes, index_key: HashKey) -> None:
        self.tenant_id = tenant_id
        self._field_key = field_key
        self._index_key = index_key

    def __repr__(self) -> str:
        return f"TenantFields(tenant_id={self.tenant_id!r})"

    def _aad(self, table: str, column: str, row_id: str) -> bytes:
        return aad_for(self.tenant_id, table, column, row_id)

    def seal(self, table: str, column: str, row_id: str, value: str | None) -> bytes | None:
        """Encrypt ``value`` for one cell; ``None`` stays ``None`` (absence is not secret)."""
        if value is None:
            return None
        return seal(self._field_key, value.encode("utf-8"), aad=self._aad(table, column, row_id))

    def open(self, table: str, column: str, row_id: str, blob: bytes | None) -> str | None:
        """Decrypt one cell; raise :class:`~tier0.crypto.aead.DecryptionError` if it was
        tampered with, moved from another cell, or its tenant key is gone."""
        if blob is None:
            return None
        return open_(self._field_key, bytes(blob), aad=self._aad(table, column, row_id)).decode(
            "utf-8"
        )

    def for_user(self, user_key: bytes) -> TenantFields:
        """The same tenant's fields sealed under a per-user data key instead; the blind
        index stays the tenant's, so lookups by email still work."""
        return TenantFields(
            self.tenant_id, derive_key(user_key, purpose=FIELD_PURPOSE), self._index_key
        )

    def index(self, normalized: str, *, purpose: str = EMAIL_INDEX_PURPOSE) -> str:
        """The blind index of an already normalised value (43 base64url characters)."""
        return self._index_key.digest(normalized, purpose=purpose)


class FieldCipher:
    """Hands out :class:`TenantFields` for the tenant whose rows a repository touches."""

    def __init__(self, keys: SubkeySource, users: UserKeyring | None = None) -> None:
        self._keys = keys
        self.users = users

    def __repr__(self) -> str:
        return "FieldCipher()"

    async def for_tenant(self, tenant_id: str) -> TenantFields:
        field_key = await self._keys.subkey(tenant_id, FIELD_PURPOSE)
        index_key = HashKey(await self._keys.subkey(tenant_id, EMAIL_INDEX_PURPOSE))
        return TenantFields(tenant_id, field_key, index_key)
