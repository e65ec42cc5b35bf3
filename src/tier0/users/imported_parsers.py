"""Parse and validate one Auth0 ``custom_password_hash`` object, per algorithm.

Rules follow the Auth0 bulk-import schema (AUTH0-COMPAT.md §3): which algorithms take a
salt object, which hash encodings each allows, required fields (``hash.digest`` and
``hash.key`` for hmac, ``keylen`` for scrypt) and defaults (``salt.position`` prefix,
``password.encoding`` utf8, scrypt cost 16384 / blockSize 8 / parallelization 1). Work
factors are capped so an import file cannot make sign-in arbitrarily expensive.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

import argon2

from tier0.users.imported_formats import (
    LDAP_SCHEMES,
    PASSWORD_ENCODINGS,
    DecodeError,
    b64decode_loose,
    decode,
    digest_name,
)

MAX_BCRYPT_COST = 16
MAX_ARGON2_MEMORY_KIB = 256 * 1024
MAX_ARGON2_TIME = 16
MAX_PBKDF2_ITERATIONS = 5_000_000
MAX_SCRYPT_MEMORY = 256 * 1024 * 1024  # 128 * N * r bytes
MAX_KEYLEN = 1024

_BCRYPT = re.compile(r"\A\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}\Z")
_PBKDF2 = re.compile(r"\A\$pbkdf2-([A-Za-z0-9-]+)\$([^$]*)\$([^$]*)\$([^$]+)\Z")
_LDAP = re.compile(r"\A\{([A-Za-z0-9]+)\}(.+)\Z", re.DOTALL)
_SALTED = {"bcrypt", "hmac", "md5", "sha1", "sha256", "sha512", "scrypt"}
_DIGEST_ALGORITHMS = {"md5", "sha1", "sha256", "sha512"}


class ParseError(ValueError):
    """Why a ``custom_password_hash`` is refused (never contains the hash or salt)."""


def digest_size(digest: str) -> int:
    """Output size in bytes of a hashlib digest, by name."""
    return hashlib.new(digest, usedforsecurity=False).digest_size


def _obj(parent: Mapping[str, Any], name: str, *, required: bool = False) -> Mapping[str, Any]:
    value = parent.get(name)
    if value is None:
        if required:
            raise ParseError(f"{name} is required")
        return {}
    if not isinstance(value, Mapping):
        raise ParseError(f"{name} must be an object")
    return value


def _str(parent: Mapping[str, Any], name: str, default: str | None = None) -> str:
    value = parent.get(name, default)
    if not isinstance(value, str) or not value:
        raise ParseError(f"{name} must be a non-empty string")
    return value


def _int(obj: Mapping[str, Any], name: str, default: int | None, low: int, high: int) -> int:
    value = obj.get(name, default)
    if value is None:
        raise ParseError(f"{name} is required")
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ParseError(f"{name} must be an integer between {low} and {high}")
    return value


def _decode(value: str, encoding: str, what: str) -> bytes:
    try:
        return decode(value, encoding)
    except DecodeError as exc:
        raise ParseError(f"{what}: {exc}") from None


def parse(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Return the keyword arguments of an ``ImportedHash``; raise :class:`ParseError`."""
    if not isinstance(obj, Mapping):
        raise ParseError("custom_password_hash must be an object")
    algorithm = _str(obj, "algorithm")
    if algorithm == "md4":
        raise ParseError("md4 is not supported: OpenSSL 3 ships it only in its legacy provider")
    if algorithm not in _PARSERS:
        raise ParseError(f"unsupported algorithm {algorithm!r}")
    hash_obj = _obj(obj, "hash", required=True)
    fields: dict[str, Any] = {"algorithm": algorithm}
    password_encoding = _str(_obj(obj, "password"), "encoding", "utf8")
    if password_encoding not in PASSWORD_ENCODINGS:
        raise ParseError(f"unsupported password.encoding {password_encoding!r}")
    fields["password_encoding"] = password_encoding
    salt_obj = _obj(obj, "salt")
    if salt_obj:
        if algorithm not in _SALTED:
            raise ParseError(f"{algorithm} does not take a salt object")
        position = _str(salt_obj, "position", "prefix")
        if position not in ("prefix", "suffix"):
            raise ParseError("salt.position must be prefix or suffix")
        encoding = _str(salt_obj, "encoding", "utf8")
        fields["salt"] = _decode(_str(salt_obj, "value"), encoding, "salt.value")
        fields["salt_position"] = position
    fields.update(_PARSERS[algorithm](obj, hash_obj))
    return fields


def _utf8_only(hash_obj: Mapping[str, Any], algorithm: str) -> str:
    if _str(hash_obj, "encoding", "utf8") != "utf8":
        raise ParseError(f"{algorithm} hashes must use hash.encoding utf8")
    return _str(hash_obj, "value")


def _binary_value(hash_obj: Mapping[str, Any]) -> bytes:
    encoding = _str(hash_obj, "encoding", "hex")
    if encoding not in ("hex", "base64"):
        raise ParseError("hash.encoding must be hex or base64")
    return _decode(_str(hash_obj, "value"), encoding, "hash.value")


def _bcrypt(_obj_: Mapping[str, Any], hash_obj: Mapping[str, Any]) -> dict[str, Any]:
    value = _utf8_only(hash_obj, "bcrypt")
    match = _BCRYPT.match(value)
    if not match:
        raise ParseError("bcrypt hash must look like $2a$/$2b$/$2y$<cost>$<53 characters>")
    if not 4 <= int(match.group(1)) <= MAX_BCRYPT_COST:
        raise ParseError(f"bcrypt cost must be between 4 and {MAX_BCRYPT_COST}")
    return {"value": value.encode("ascii")}


def _argon2(_obj_: Mapping[str, Any], hash_obj: Mapping[str, Any]) -> dict[str, Any]:
    value = _utf8_only(hash_obj, "argon2")
    try:
        params = argon2.extract_parameters(value)
    except argon2.exceptions.InvalidHashError:
        raise ParseError("argon2 hash must be a PHC string such as $argon2id$v=19$...") from None
    if params.memory_cost > MAX_ARGON2_MEMORY_KIB or params.time_cost > MAX_ARGON2_TIME:
        raise ParseError("argon2 parameters exceed tier0's limits (m, t)")
    if params.parallelism > MAX_ARGON2_TIME:
        raise ParseError("argon2 parallelism exceeds tier0's limit")
    return {"value": value.encode("ascii")}


def _pbkdf2(_obj_: Mapping[str, Any], hash_obj: Mapping[str, Any]) -> dict[str, Any]:
    match = _PBKDF2.match(_utf8_only(hash_obj, "pbkdf2"))
    if not match:
        raise ParseError("pbkdf2 hash must be a PHC string $pbkdf2-<digest>$i=..,l=..$salt$hash")
    try:
        digest = digest_name(match.group(1))
        params = dict(p.split("=", 1) for p in match.group(2).split(",") if p)
        salt, value = b64decode_loose(match.group(3)), b64decode_loose(match.group(4))
    except (DecodeError, ValueError) as exc:
        raise ParseError(f"pbkdf2: {exc}") from None
    if set(params) - {"i", "l"} or not all(v.isdigit() for v in params.values()):
        raise ParseError("pbkdf2 parameters must be i=<iterations>,l=<length>")
    iterations = _int({"i": int(params.get("i", "100000"))}, "i", None, 1, MAX_PBKDF2_ITERATIONS)
    if not value or int(params.get("l", len(value))) != len(value):
        raise ParseError("pbkdf2 hash length does not match l")
    return {"value": value, "salt": salt, "digest": digest, "iterations": iterations}


def _scrypt(obj: Mapping[str, Any], hash_obj: Mapping[str, Any]) -> dict[str, Any]:
    if "salt" not in obj:
        raise ParseError("scrypt needs a salt")
    value = _binary_value(hash_obj)
    keylen = _int(obj, "keylen", None, 1, MAX_KEYLEN)
    cost = _int(obj, "cost", 16384, 2, 1 << 20)
    block_size = _int(obj, "blockSize", 8, 1, 64)
    parallelization = _int(obj, "parallelization", 1, 1, 16)
    if cost & (cost - 1):
        raise ParseError("scrypt cost must be a power of two")
    if 128 * cost * block_size > MAX_SCRYPT_MEMORY:
        raise ParseError("scrypt parameters need more memory than tier0 allows")
    if len(value) != keylen:
        raise ParseError("scrypt hash length does not match keylen")
    return {
        "value": value,
        "keylen": keylen,
        "cost": cost,
        "block_size": block_size,
        "parallelization": parallelization,
    }


def _digest(obj: Mapping[str, Any], hash_obj: Mapping[str, Any]) -> dict[str, Any]:
    digest = digest_name(str(obj["algorithm"]))
    value = _binary_value(hash_obj)
    if len(value) != digest_size(digest):
        raise ParseError(f"hash.value has the wrong length for {obj['algorithm']}")
    return {"value": value, "digest": digest}


def _hmac(_obj_: Mapping[str, Any], hash_obj: Mapping[str, Any]) -> dict[str, Any]:
    try:
        digest = digest_name(_str(hash_obj, "digest"))
    except DecodeError as exc:
        raise ParseError(f"hash.digest: {exc}") from None
    key_obj = _obj(hash_obj, "key", required=True)
    key = _decode(_str(key_obj, "value"), _str(key_obj, "encoding", "utf8"), "hash.key.value")
    value = _binary_value(hash_obj)
    if len(value) != digest_size(digest):
        raise ParseError("hash.value has the wrong length for hash.digest")
    return {"value": value, "digest": digest, "key": key}


def _ldap(_obj_: Mapping[str, Any], hash_obj: Mapping[str, Any]) -> dict[str, Any]:
    match = _LDAP.match(_utf8_only(hash_obj, "ldap"))
    if not match or match.group(1).upper() not in LDAP_SCHEMES:
        raise ParseError("ldap hash must be {MD5|SMD5|SHA|SSHA|SHA256|SSHA256|...}<base64>")
    digest, is_salted = LDAP_SCHEMES[match.group(1).upper()]
    try:
        raw = b64decode_loose(match.group(2))
    except DecodeError:
        raise ParseError("ldap hash is not valid base64") from None
    size = digest_size(digest)
    if len(raw) < size or (len(raw) > size) != is_salted:
        raise ParseError("ldap hash has the wrong length for its scheme")
    # RFC 2307-style salted schemes append the salt to the password before hashing.
    return {"value": raw[:size], "salt": raw[size:], "salt_position": "suffix", "digest": digest}


def _digest_parser(obj: Mapping[str, Any], hash_obj: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return _digest(obj, hash_obj)
    except DecodeError as exc:
        raise ParseError(str(exc)) from None


_PARSERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]] = {
    "bcrypt": _bcrypt,
    "argon2": _argon2,
    "pbkdf2": _pbkdf2,
    "scrypt": _scrypt,
    "hmac": _hmac,
    "ldap": _ldap,
    **dict.fromkeys(_DIGEST_ALGORITHMS, _digest_parser),
}
