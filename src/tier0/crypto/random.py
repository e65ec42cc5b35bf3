"""Unguessable values: tokens, identifiers and client ids.

DP-06 / ASVS 11.5.1: every unguessable value comes from :mod:`secrets` (the operating
system CSPRNG) and carries at least 128 bits of entropy. The stdlib Mersenne
Twister module and random UUIDs are never used (a source scan test enforces it).
"""

from __future__ import annotations

import base64
import secrets
import string

#: 128 bits, the floor for anything an attacker must not guess (ASVS 11.5.1).
MIN_BYTES = 16

_CLIENT_ID_ALPHABET = string.ascii_letters + string.digits
#: 32 characters from a 62-letter alphabet: log2(62) * 32 ≈ 190 bits.
CLIENT_ID_LENGTH = 32


def _check_size(nbytes: int) -> None:
    if nbytes < MIN_BYTES:
        raise ValueError(f"need at least {MIN_BYTES} random bytes (128 bits), got {nbytes}")


def random_token(nbytes: int = 32) -> str:
    """A secret token: ``nbytes`` random bytes as URL-safe base64 without padding.

    Used for authorization codes, refresh tokens, session ids and reset links. Raises
    ``ValueError`` below 16 bytes.
    """
    _check_size(nbytes)
    return secrets.token_urlsafe(nbytes)


def random_id(prefix: str = "", nbytes: int = 16) -> str:
    """A non-secret but unguessable identifier such as ``rol_...``.

    ``prefix`` followed by ``nbytes`` random bytes in lowercase base32 (RFC 4648, no
    padding), so ids are case-insensitive, URL-safe and free of punctuation.
    """
    _check_size(nbytes)
    text = base64.b32encode(secrets.token_bytes(nbytes)).decode("ascii")
    return prefix + text.rstrip("=").lower()


def random_client_id() -> str:
    """A client id in the Auth0 shape: 32 ASCII letters and digits (≈190 bits)."""
    return "".join(secrets.choice(_CLIENT_ID_ALPHABET) for _ in range(CLIENT_ID_LENGTH))
