"""Private signing JWKs at rest: sealed with AES-256-GCM under a tenant subkey (JW-04).

ASVS 13.3.1 / JW-04: "keys encrypted at rest". The ciphertext is bound to its tenant, table,
column and kid through the AEAD associated data, so a sealed key copied to another row or
tenant does not open.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tier0.crypto.aead import DecryptionError, aad_for, open_, seal

TABLE = "signing_keys"
COLUMN = "private_jwk"
#: HKDF purpose of the tenant subkey that seals signing keys.
SUBKEY_PURPOSE = "signing-key-encryption"


class SealedKeyError(Exception):
    """A sealed private key did not open (wrong tenant key, moved or tampered row)."""

    def __init__(self) -> None:
        super().__init__("sealed signing key could not be opened")


def seal_private_jwk(
    subkey: bytes, *, tenant_id: str, kid: str, private_jwk: Mapping[str, Any]
) -> bytes:
    """Encrypt a private JWK for storage in ``signing_keys.private_jwk``."""
    plaintext = json.dumps(dict(private_jwk), separators=(",", ":"), sort_keys=True).encode()
    return seal(subkey, plaintext, aad=aad_for(tenant_id, TABLE, COLUMN, kid))


def open_private_jwk(subkey: bytes, *, tenant_id: str, kid: str, sealed: bytes) -> dict[str, Any]:
    """Decrypt a sealed private JWK; raise :class:`SealedKeyError` on any mismatch."""
    try:
        plaintext = open_(subkey, sealed, aad=aad_for(tenant_id, TABLE, COLUMN, kid))
    except DecryptionError:
        raise SealedKeyError from None
    jwk = json.loads(plaintext)
    if not isinstance(jwk, dict) or jwk.get("kid") != kid:
        raise SealedKeyError
    return jwk
