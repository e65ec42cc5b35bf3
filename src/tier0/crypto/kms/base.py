"""The ``Kms`` port: wrap and unwrap data keys under a key-encryption key (KEK).

The KEK never leaves the KMS (a 0600 key file, AWS KMS, Vault Transit); tier0 stores
only *wrapped* data keys. Every wrap binds a *context* (string pairs such as
``{"tenant": "t_1", "purpose": "dek"}``) as associated data, with the semantics of AWS
KMS encryption context: unwrap must present exactly the same pairs or it fails.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

_TEXT_PREFIX = "wk1:"
#: AWS KMS Encrypt accepts at most 4096 bytes of plaintext; every provider keeps to it.
MAX_DATA_KEY_BYTES = 4096


class KmsError(Exception):
    """The KMS refused or could not serve a request.

    Messages name the file, key id or provider, never key material or plaintext.
    """


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under the KEK ``key_id``; safe to store in a DB column."""

    key_id: str
    ciphertext: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.key_id or any(c in self.key_id for c in "\r\n\x00"):
            raise KmsError("wrapped key id must be a non-empty single-line string")
        if not self.ciphertext:
            raise KmsError("wrapped key ciphertext is empty")

    def to_text(self) -> str:
        """``wk1:<key_id>:<base64url ciphertext>``; the key id may itself contain ``:``."""
        body = base64.urlsafe_b64encode(self.ciphertext).rstrip(b"=").decode("ascii")
        return f"{_TEXT_PREFIX}{self.key_id}:{body}"

    @classmethod
    def from_text(cls, text: str) -> WrappedKey:
        """Parse :meth:`to_text` output; raise :class:`KmsError` if malformed."""
        if not text.startswith(_TEXT_PREFIX) or ":" not in text[len(_TEXT_PREFIX) :]:
            raise KmsError("not a tier0 wrapped key (expected 'wk1:<key id>:<data>')")
        key_id, _, body = text[len(_TEXT_PREFIX) :].rpartition(":")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise KmsError("wrapped key data is not base64url") from None
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
            raise KmsError("wrapped key data is not canonical base64url")
        return cls(key_id=key_id, ciphertext=raw)


@runtime_checkable
class Kms(Protocol):
    """Wraps data keys under a versioned key-encryption key."""

    @property
    def current_key_id(self) -> str:
        """The id of the KEK that :meth:`wrap` uses now."""
        ...

    async def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> WrappedKey:
        """Encrypt ``data_key`` under the current KEK, binding ``context``."""
        ...

    async def unwrap(self, wrapped: WrappedKey, *, context: Mapping[str, str]) -> bytes:
        """Decrypt a wrapped key; raise :class:`KmsError` if it or the context is wrong."""
        ...

    async def rotate(self) -> str:
        """Create a new KEK, make it current and return its id; old KEKs still unwrap."""
        ...


def check_data_key(data_key: bytes) -> None:
    """Reject empty or oversized data keys before any provider sees them."""
    if not 0 < len(data_key) <= MAX_DATA_KEY_BYTES:
        raise KmsError(f"data key must be 1..{MAX_DATA_KEY_BYTES} bytes")


def encode_context(context: Mapping[str, str]) -> bytes:
    """Canonical bytes of a context: pairs sorted by key, every string length-prefixed.

    Order of insertion does not matter (as in AWS KMS), and no two different contexts
    encode alike, so the encoding is safe to use as AEAD associated data.
    """
    out = [struct.pack(">I", len(context))]
    for key in sorted(context):
        value = context[key]
        if not isinstance(key, str) or not isinstance(value, str):
            raise KmsError("context keys and values must be strings")
        for part in (key, value):
            data = part.encode("utf-8")
            out.append(struct.pack(">I", len(data)) + data)
    return b"".join(out)


__all__ = [
    "MAX_DATA_KEY_BYTES",
    "Kms",
    "KmsError",
    "WrappedKey",
    "check_data_key",
    "encode_context",
]
