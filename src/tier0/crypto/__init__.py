"""Cryptographic recipes for tier0.

The only package (with ``tier0.jose``) allowed to import ``cryptography.hazmat``; the
rest of tier0 uses these recipes: random tokens and ids, keyed hashes, AES-256-GCM
envelopes bound to their row, HKDF subkeys, and the ``Kms`` port.
"""

from __future__ import annotations

from tier0.crypto.aead import DecryptionError, aad_for, generate_key, open_, seal
from tier0.crypto.derive import derive_key
from tier0.crypto.keyed_hash import HashKey
from tier0.crypto.kms import Kms, KmsError, LocalKms, WrappedKey, build_kms
from tier0.crypto.random import random_client_id, random_id, random_token

__all__ = [
    "DecryptionError",
    "HashKey",
    "Kms",
    "KmsError",
    "LocalKms",
    "WrappedKey",
    "aad_for",
    "build_kms",
    "derive_key",
    "generate_key",
    "open_",
    "random_client_id",
    "random_id",
    "random_token",
    "seal",
]
