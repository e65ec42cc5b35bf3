"""Subkey derivation with HKDF-SHA-256 (RFC 5869).

One tenant data key yields independent subkeys per purpose (field encryption, keyed
hashes, blind indexes), so compromise of one use never leaks another. RFC 5869 §2.3
defines ``info`` as "optional context and application specific information"; tier0 puts
the purpose label there.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

#: RFC 5869 §2.3: L <= 255 * HashLen.
MAX_LENGTH = 255 * 32
MIN_MASTER_BYTES = 32


def hkdf_sha256(ikm: bytes, *, salt: bytes | None, info: bytes, length: int) -> bytes:
    """Plain HKDF-SHA-256 (extract then expand), as specified in RFC 5869 §2."""
    if not 0 < length <= MAX_LENGTH:
        raise ValueError(f"HKDF output length must be in 1..{MAX_LENGTH}")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def derive_key(master: bytes, *, purpose: str, length: int = 32) -> bytes:
    """A subkey of ``master`` for one ``purpose`` (e.g. ``"field-encryption"``).

    The purpose (UTF-8) is HKDF's ``info`` and the salt is empty (RFC 5869 §3.1: fine
    when the input is already a uniformly random key); different
    purposes give independent keys. ``master`` must itself be a uniformly random key of at
    least 256 bits (not a password: HKDF is not a password hash).
    """
    if len(master) < MIN_MASTER_BYTES:
        raise ValueError(f"master key must be at least {MIN_MASTER_BYTES} bytes")
    if not purpose:
        raise ValueError("purpose must be a non-empty label")
    if length < 16:
        raise ValueError("derived keys must be at least 16 bytes")
    return hkdf_sha256(master, salt=None, info=purpose.encode("utf-8"), length=length)


__all__ = ["MAX_LENGTH", "derive_key", "hkdf_sha256"]


def passphrase_key(passphrase: bytes, salt: bytes, *, n: int, r: int, p: int) -> bytes:
    """A 256-bit key from an operator's passphrase with scrypt (RFC 7914), for archives
    sealed for transport; the caller picks and records ``n``, ``r`` and ``p``."""
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)
