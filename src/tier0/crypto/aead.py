"""Authenticated encryption of fields: AES-256-GCM with random nonces.

Blob layout (version 1)::

    0x01 | nonce (12 bytes, random) | ciphertext || tag (16 bytes)

The version byte is also authenticated (it is prepended to the associated data), so a
blob cannot be relabelled as another format. Nonces are 96 random bits from
:mod:`secrets`; NIST SP 800-38D §8.3 bounds random-nonce GCM to 2**32 messages per key,
far above what one tenant data key encrypts (rotate the key well before that).
"""

from __future__ import annotations

import secrets
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
VERSION = 1
_HEADER = bytes([VERSION])
_AAD_LABEL = b"tier0.aad.v1"


class DecryptionError(Exception):
    """A blob could not be opened: wrong key, wrong AAD, tampered or malformed.

    Deliberately one opaque error (a verifier raises, and says nothing about why).
    """

    def __init__(self) -> None:
        super().__init__("ciphertext could not be decrypted")


def generate_key() -> bytes:
    """A fresh random 256-bit AES key (a data key)."""
    return secrets.token_bytes(KEY_BYTES)


def _cipher(key: bytes) -> AESGCM:
    if len(key) != KEY_BYTES:
        raise ValueError(f"AES-256-GCM needs a {KEY_BYTES}-byte key")
    return AESGCM(key)


def seal(key: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext``, binding ``aad`` (see :func:`aad_for`)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = _cipher(key).encrypt(nonce, plaintext, _HEADER + aad)
    return _HEADER + nonce + body


def open_(key: bytes, blob: bytes, *, aad: bytes) -> bytes:
    """Decrypt a blob made by :func:`seal`; raise :class:`DecryptionError` on any problem."""
    cipher = _cipher(key)
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES or blob[:1] != _HEADER:
        raise DecryptionError
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return cipher.decrypt(nonce, body, _HEADER + aad)
    except InvalidTag:
        raise DecryptionError from None


def _field(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def aad_for(tenant_id: str, table: str, column: str, row_id: str) -> bytes:
    """Associated data binding a ciphertext to its place: tenant, table, column and row.

    Every part is length-prefixed (4-byte big-endian), so no two different tuples encode
    to the same bytes; a ciphertext copied to another row or column fails to open.
    """
    return _AAD_LABEL + b"".join(_field(part) for part in (tenant_id, table, column, row_id))


__all__ = [
    "KEY_BYTES",
    "NONCE_BYTES",
    "DecryptionError",
    "aad_for",
    "generate_key",
    "open_",
    "seal",
]
