"""Stored password hashes in Auth0's bulk-import shape, for exports that must round-trip.

The inverse of :mod:`tier0.users.bulk_import`'s hash handling (AUTH0-COMPAT.md §3):

- a bcrypt hash (``$2a$``/``$2b$``) is Auth0's ``password_hash`` as it is;
- an argon2id hash (the argon2 policy) is a ``custom_password_hash`` with algorithm
  ``argon2`` and the PHC string;
- a ``$bcrypt-sha256$`` hash (a password over 72 bytes) has no import form: the exporter
  leaves it out and counts it;
- a ``tier0-import$`` hash (imported, not yet upgraded by a sign-in) becomes again the
  ``custom_password_hash`` object it was parsed from: binary values in hex or base64,
  PBKDF2 as its PHC string, LDAP as its ``{SCHEME}`` form.

Nothing here verifies or logs a hash; the caller decides whether hashes leave at all.
"""

from __future__ import annotations

import base64
from typing import Any

from tier0.users.imported_formats import LDAP_SCHEMES
from tier0.users.imported_hashes import ImportedHash, from_stored, is_imported
from tier0.users.passwords import PREHASH_PREFIX

__all__ = ["NotPortable", "exported_password"]

_NO_SALT_OBJECT = {"argon2", "pbkdf2", "ldap"}


class NotPortable(ValueError):
    """A hash no import format can express: bcrypt over the HMAC-SHA256 of a password longer
    than bcrypt's 72 bytes (``$bcrypt-sha256$``, tier0's own). Those users reset instead."""


def exported_password(stored: str | None) -> dict[str, Any]:
    """``{}``, ``{"password_hash": ...}`` or ``{"custom_password_hash": {...}}``; raises
    :class:`NotPortable` for a hash that only tier0 can verify."""
    if stored is None:
        return {}
    if stored.startswith(PREHASH_PREFIX):
        raise NotPortable("a pre-hashed bcrypt hash has no Auth0 import form")
    if stored.startswith(("$2a$", "$2b$")):
        return {"password_hash": stored}
    if stored.startswith("$argon2"):
        return {"custom_password_hash": _utf8("argon2", stored)}
    if is_imported(stored):
        return {"custom_password_hash": _custom(from_stored(stored))}
    raise ValueError("a stored hash of an unknown kind")


def _utf8(algorithm: str, value: str) -> dict[str, Any]:
    return {"algorithm": algorithm, "hash": {"value": value, "encoding": "utf8"}}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _custom(h: ImportedHash) -> dict[str, Any]:
    obj = _hash_part(h)
    if h.salt and h.algorithm not in _NO_SALT_OBJECT:
        obj["salt"] = {"value": _b64(h.salt), "encoding": "base64", "position": h.salt_position}
    if h.password_encoding != "utf8":  # noqa: S105 - a charset name
        obj["password"] = {"encoding": h.password_encoding}
    return obj


def _hash_part(h: ImportedHash) -> dict[str, Any]:
    if h.algorithm in ("bcrypt", "argon2"):
        return _utf8(h.algorithm, h.value.decode("ascii"))
    if h.algorithm == "pbkdf2":
        b64 = base64.b64encode
        phc = (
            f"$pbkdf2-{h.digest}$i={h.iterations},l={len(h.value)}"
            f"${b64(h.salt).decode().rstrip('=')}${b64(h.value).decode().rstrip('=')}"
        )
        return _utf8("pbkdf2", phc)
    if h.algorithm == "ldap":
        scheme = next(k for k, v in LDAP_SCHEMES.items() if v == (h.digest, bool(h.salt)))
        return _utf8("ldap", "{" + scheme + "}" + _b64(h.value + h.salt))
    obj: dict[str, Any] = {
        "algorithm": h.algorithm,
        "hash": {"value": h.value.hex(), "encoding": "hex"},
    }
    if h.algorithm == "hmac":
        obj["hash"]["digest"] = h.digest
        obj["hash"]["key"] = {"value": _b64(h.key), "encoding": "base64"}
    if h.algorithm == "scrypt":
        obj |= {
            "keylen": h.keylen,
            "cost": h.cost,
            "blockSize": h.block_size,
            "parallelization": h.parallelization,
        }
    return obj
