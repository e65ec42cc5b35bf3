"""Password hashes imported from another system (Auth0 bulk import, PW-02).

Auth0's ``custom_password_hash`` object (AUTH0-COMPAT.md §3) is parsed once, at import, by
:func:`parse_custom_password_hash` into an :class:`ImportedHash`, which is stored as one
string ``tier0-import$<json>`` (:func:`to_stored` / :func:`from_stored`). It only ever
*verifies* (:func:`verify_imported`); after the first successful sign-in the caller replaces
it with a hash under the tenant's policy, so :func:`is_imported` is what the hasher's
``needs_rehash`` checks.

Verification runs CPU-hard functions for some formats and must run in the hasher's bounded
pool. Parameters are capped at parse time so a hostile import file cannot turn every sign-in
into a denial of service. Passwords are tried as typed, then NFKC-normalised if that differs
(the old system may have done either). bcrypt inputs over 72 bytes (salt included) are
refused, never truncated: those users reset their password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

import argon2
import bcrypt

from tier0.users import imported_parsers as parsers
from tier0.users.imported_formats import PASSWORD_ENCODINGS, hash_bytes, salted

STORED_PREFIX = "tier0-import$"
_STORE_VERSION = 1
_BCRYPT_MAX_INPUT = 72
_SCRYPT_MAXMEM = 1 << 30
_T = TypeVar("_T")


class ImportFormatError(ValueError):
    """A ``custom_password_hash`` (or a stored import) can not be used; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ImportedHash:
    """A verified-only legacy hash. Byte fields are secret-adjacent and kept out of repr."""

    algorithm: str
    value: bytes = field(repr=False)
    digest: str | None = None
    salt: bytes = field(default=b"", repr=False)
    salt_position: str = "prefix"
    key: bytes = field(default=b"", repr=False)
    password_encoding: str = "utf8"  # noqa: S105 - a charset name, not a password
    iterations: int | None = None
    keylen: int | None = None
    cost: int | None = None
    block_size: int | None = None
    parallelization: int | None = None


def parse_custom_password_hash(obj: Mapping[str, Any]) -> ImportedHash:
    """Validate an Auth0 ``custom_password_hash`` object; raise :class:`ImportFormatError`."""
    try:
        return ImportedHash(**parsers.parse(obj))
    except parsers.ParseError as exc:
        raise ImportFormatError(str(exc)) from None


def is_imported(stored: str) -> bool:
    """True for a stored hash that came from an import and must be replaced on sign-in."""
    return stored.startswith(STORED_PREFIX)


def to_stored(imported: ImportedHash) -> str:
    fields = asdict(imported)
    for name in ("value", "salt", "key"):
        fields[name] = base64.b64encode(fields[name]).decode("ascii")
    body = {"v": _STORE_VERSION, **{k: v for k, v in fields.items() if v is not None}}
    return STORED_PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":"))


def from_stored(stored: str) -> ImportedHash:
    if not is_imported(stored):
        raise ImportFormatError("not an imported hash")
    try:
        body = json.loads(stored[len(STORED_PREFIX) :])
        if body.pop("v") != _STORE_VERSION:
            raise ImportFormatError("unknown stored import version")
        for name in ("value", "salt", "key"):
            body[name] = base64.b64decode(body.get(name, ""), validate=True)
        return ImportedHash(**body)
    except (ValueError, KeyError, TypeError) as exc:
        raise ImportFormatError("corrupt stored import") from exc


def verify_imported(imported: ImportedHash, password: str) -> bool:
    """True if ``password`` matches; every comparison is constant-time."""
    verifier = _VERIFIERS[imported.algorithm]
    normalized = unicodedata.normalize("NFKC", password)
    candidates = (password,) if normalized == password else (password, normalized)
    for candidate in candidates:
        try:
            secret = candidate.encode(PASSWORD_ENCODINGS[imported.password_encoding])
        except UnicodeEncodeError:
            continue
        if verifier(imported, secret):
            return True
    return False


def _bcrypt(h: ImportedHash, secret: bytes) -> bool:
    data = salted(secret, h.salt, h.salt_position) if h.salt else secret
    if len(data) > _BCRYPT_MAX_INPUT or b"\x00" in data:
        return False
    return bcrypt.checkpw(data, h.value)


def _argon2(h: ImportedHash, secret: bytes) -> bool:
    try:
        return argon2.PasswordHasher().verify(h.value.decode("ascii"), secret)
    except argon2.exceptions.Argon2Error:
        return False


def _need(value: _T | None) -> _T:
    """Fields the parser guarantees for an algorithm; a hand-edited store fails loudly."""
    if value is None:
        raise ImportFormatError("stored import is missing a parameter")
    return value


def _pbkdf2(h: ImportedHash, secret: bytes) -> bool:
    iterations = _need(h.iterations)
    derived = hashlib.pbkdf2_hmac(_need(h.digest), secret, h.salt, iterations, len(h.value))
    return hmac.compare_digest(derived, h.value)


def _scrypt(h: ImportedHash, secret: bytes) -> bool:
    derived = hashlib.scrypt(
        secret,
        salt=h.salt,
        n=_need(h.cost),
        r=_need(h.block_size),
        p=_need(h.parallelization),
        maxmem=_SCRYPT_MAXMEM,
        dklen=_need(h.keylen),
    )
    return hmac.compare_digest(derived, h.value)


def _plain_digest(h: ImportedHash, secret: bytes) -> bool:
    """md5/sha*, and LDAP schemes (whose salt always follows the password)."""
    data = salted(secret, h.salt, h.salt_position) if h.salt else secret
    return hmac.compare_digest(hash_bytes(_need(h.digest), data), h.value)


def _hmac(h: ImportedHash, secret: bytes) -> bool:
    data = salted(secret, h.salt, h.salt_position) if h.salt else secret
    return hmac.compare_digest(hmac.new(h.key, data, _need(h.digest)).digest(), h.value)


_VERIFIERS: dict[str, Callable[[ImportedHash, bytes], bool]] = {
    "bcrypt": _bcrypt,
    "argon2": _argon2,
    "pbkdf2": _pbkdf2,
    "scrypt": _scrypt,
    "md5": _plain_digest,
    "sha1": _plain_digest,
    "sha256": _plain_digest,
    "sha512": _plain_digest,
    "ldap": _plain_digest,
    "hmac": _hmac,
}
