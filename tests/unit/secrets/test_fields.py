"""DP-02: field ciphertexts are bound to tenant, table, column and row, tampering is
refused, and the blind index depends on the tenant key but not on letter case."""

from __future__ import annotations

import pytest

from tier0.crypto.aead import DecryptionError, generate_key
from tier0.secrets.fields import FieldCipher, TenantFields


class StaticKeys:
    """Subkeys from fixed per-tenant keys (the keyring's contract, without a database)."""

    def __init__(self) -> None:
        self.keys = {"t1": generate_key(), "t2": generate_key()}

    async def subkey(self, tenant_id: str, purpose: str) -> bytes:
        from tier0.crypto.derive import derive_key

        return derive_key(self.keys[tenant_id], purpose=purpose)


@pytest.fixture
async def fields() -> tuple[TenantFields, TenantFields]:
    cipher = FieldCipher(StaticKeys())
    return await cipher.for_tenant("t1"), await cipher.for_tenant("t2")


async def test_dp02_ciphertext_opens_only_in_its_own_cell(
    fields: tuple[TenantFields, TenantFields],
) -> None:
    t1, t2 = fields
    blob = t1.seal("users", "email_ct", "u1", "alice@example.com")
    assert blob is not None and b"alice" not in blob
    assert t1.open("users", "email_ct", "u1", blob) == "alice@example.com"
    for table, column, row in (
        ("users", "email_ct", "u2"),  # moved to another row
        ("users", "name_ct", "u1"),  # moved to another column
        ("secrets", "email_ct", "u1"),  # moved to another table
    ):
        with pytest.raises(DecryptionError):
            t1.open(table, column, row, blob)
    with pytest.raises(DecryptionError):
        t2.open("users", "email_ct", "u1", blob)  # another tenant's key


async def test_dp02_tampered_ciphertext_is_refused(
    fields: tuple[TenantFields, TenantFields],
) -> None:
    t1, _ = fields
    blob = bytearray(t1.seal("users", "name_ct", "u1", "Alice") or b"")
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        t1.open("users", "name_ct", "u1", bytes(blob))


async def test_dp02_nonces_are_unique_and_none_stays_none(
    fields: tuple[TenantFields, TenantFields],
) -> None:
    t1, _ = fields
    first = t1.seal("users", "name_ct", "u1", "Alice")
    second = t1.seal("users", "name_ct", "u1", "Alice")
    assert first != second
    assert t1.seal("users", "name_ct", "u1", None) is None
    assert t1.open("users", "name_ct", "u1", None) is None


async def test_dp02_blind_index_is_keyed_per_tenant(
    fields: tuple[TenantFields, TenantFields],
) -> None:
    t1, t2 = fields
    index = t1.index("alice@example.com")
    assert index == t1.index("alice@example.com") and len(index) == 43
    assert index != t2.index("alice@example.com")
    assert "alice" not in index
