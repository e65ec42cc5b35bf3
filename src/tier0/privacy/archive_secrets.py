"""The secrets section of a tenant archive, sealed under an operator's passphrase.

A tenant archive is signed, not encrypted (anyone holding it can read the configuration),
so secret values travel only in this section: the tenant's stored secrets (every version,
including log-stream signing keys and tokens), as JSON sealed with AES-256-GCM under a key
derived from a passphrase with scrypt (RFC 7914; n=2^15, r=8, p=1: 32 MiB, per OWASP's
password-storage guidance). Import opens it with the same passphrase and stores every
version again under the *target* tenant's keys. Without a passphrase, the section is left
out and the archive lists secret names only.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any, Final

from tier0.crypto.aead import DecryptionError, open_, seal
from tier0.crypto.derive import passphrase_key
from tier0.errors import InvalidInput

KDF: Final = {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}
AAD: Final = b"tier0-tenant-archive-secrets/1"
MIN_PASSPHRASE: Final = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(passphrase: bytes, salt: bytes, params: dict[str, Any]) -> bytes:
    return passphrase_key(
        passphrase, salt, n=int(params["n"]), r=int(params["r"]), p=int(params["p"])
    )


def seal_section(passphrase: bytes, payload: dict[str, Any]) -> dict[str, Any]:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"the archive passphrase needs at least {MIN_PASSPHRASE} characters")
    salt = secrets.token_bytes(16)
    body = json.dumps(payload, sort_keys=True).encode()
    return {
        "kdf": dict(KDF),
        "salt": _b64(salt),
        "sealed": _b64(seal(_key(passphrase, salt, KDF), body, aad=AAD)),
    }


def open_section(passphrase: bytes, section: dict[str, Any]) -> dict[str, Any]:
    params = section.get("kdf") or {}
    if params.get("name") != "scrypt" or int(params.get("n", 0)) > 2**20:
        raise InvalidInput("the archive's secrets use an unknown key derivation")
    try:
        key = _key(passphrase, _unb64(section["salt"]), params)
        opened: dict[str, Any] = json.loads(open_(key, _unb64(section["sealed"]), aad=AAD))
    except DecryptionError:
        raise InvalidInput("wrong passphrase for the archive's secrets") from None
    return opened


def encode_value(value: bytes) -> str:
    return _b64(value)


def decode_value(text: str) -> bytes:
    return _unb64(text)
