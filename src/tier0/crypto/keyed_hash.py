"""Keyed hashes (HMAC-SHA-256) for storing codes, tokens and session ids.

Design rule 6: codes, refresh tokens, session ids and reset tokens are stored as keyed
hashes only, so a database dump does not hand out live credentials. A *purpose* label is
mixed in, so the hash of an authorization code can never match the hash of a refresh
token that happens to carry the same text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

KEY_BYTES = 32


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _check_purpose(purpose: str) -> bytes:
    # The label is separated from the value by 0x00, so it must not contain one:
    # otherwise ("a\0b", "c") and ("a", "b\0c") would hash the same message.
    if not purpose or "\x00" in purpose:
        raise ValueError("purpose must be a non-empty label without NUL characters")
    return purpose.encode("utf-8")


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """Plain HMAC-SHA-256 (RFC 2104); checked against the RFC 4231 vectors."""
    return hmac.new(key, message, hashlib.sha256).digest()


class HashKey:
    """A 256-bit HMAC key. Its repr never shows the key bytes."""

    __slots__ = ("_keyed",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"HashKey needs exactly {KEY_BYTES} bytes")
        # The HMAC with the key absorbed; each digest copies it instead of re-keying (the
        # key schedule was half the cost of hashing a short value).
        self._keyed = hmac.new(bytes(key), digestmod=hashlib.sha256)

    def __repr__(self) -> str:
        return "HashKey(<redacted>)"

    def digest(self, value: str | bytes, *, purpose: str) -> str:
        """``base64url(HMAC-SHA256(key, purpose || 0x00 || value))``, without padding."""
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        mac = self._keyed.copy()
        mac.update(_check_purpose(purpose) + b"\x00" + data)
        return _b64url(mac.digest())

    def matches(self, value: str | bytes, digest: str, *, purpose: str) -> bool:
        """Whether ``value`` hashes to ``digest`` under ``purpose`` (constant time)."""
        expected = self.digest(value, purpose=purpose)
        return hmac.compare_digest(expected.encode("ascii"), digest.encode("utf-8"))


__all__ = ["KEY_BYTES", "HashKey", "hmac_sha256"]
