"""Low-level pieces of the Auth0 ``custom_password_hash`` formats: decoding and digests.

Kept apart from :mod:`tier0.users.imported_hashes` (the model, parser and store format) so
each module stays one screenful per concept. Nothing here compares secrets: callers do, with
``hmac.compare_digest``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

# hashlib names for the digests Auth0 lists; md4 and whirlpool are left out because
# OpenSSL 3 only has them in its legacy provider, which is not loaded by default.
DIGESTS: dict[str, str] = {
    "md5": "md5",
    "ripemd160": "ripemd160",
    "rmd160": "ripemd160",
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
}

# RFC 2307 / OpenLDAP schemes: (hash, salted).
LDAP_SCHEMES: dict[str, tuple[str, bool]] = {
    "MD5": ("md5", False),
    "SMD5": ("md5", True),
    "SHA": ("sha1", False),
    "SSHA": ("sha1", True),
    "SHA256": ("sha256", False),
    "SSHA256": ("sha256", True),
    "SHA384": ("sha384", False),
    "SSHA384": ("sha384", True),
    "SHA512": ("sha512", False),
    "SSHA512": ("sha512", True),
}

PASSWORD_ENCODINGS: dict[str, str] = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "ascii": "ascii",
    "latin1": "latin-1",
    "binary": "latin-1",  # Node's "binary" is an alias of latin1
    "utf16le": "utf-16-le",
    "ucs2": "utf-16-le",
}

_HEX = re.compile(r"\A(?:[0-9a-fA-F]{2})+\Z")


class DecodeError(ValueError):
    """A value is not valid in its declared encoding."""


def digest_name(name: str) -> str:
    """Map an Auth0/Node digest name (``sha256``, ``RSA-SHA256``, ``SHA-256``) to hashlib's."""
    key = name.strip().lower().removeprefix("rsa-").replace("-", "")
    if key not in DIGESTS:
        raise DecodeError(f"unsupported digest {name!r}")
    return DIGESTS[key]


def decode(value: str, encoding: str) -> bytes:
    """Decode ``hex`` (either case), ``base64`` (standard, URL-safe or unpadded) or ``utf8``."""
    if encoding in ("utf8", "utf-8"):
        return value.encode("utf-8")
    if encoding == "hex":
        if not _HEX.match(value):
            raise DecodeError("not a hex string")
        return bytes.fromhex(value)
    if encoding == "base64":
        return b64decode_loose(value)
    raise DecodeError(f"unsupported encoding {encoding!r}")


def b64decode_loose(value: str) -> bytes:
    """Base64 in any of the alphabets in use: standard, URL-safe, passlib's ``.`` for ``+``."""
    text = value.strip().replace("-", "+").replace("_", "/").replace(".", "+")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:  # ValueError: non-ASCII input
        raise DecodeError("not a base64 string") from exc


def hash_bytes(digest: str, data: bytes) -> bytes:
    """One unkeyed digest; these are legacy formats, only ever used to verify an import."""
    return hashlib.new(digest, data, usedforsecurity=False).digest()


def salted(password: bytes, salt: bytes, position: str) -> bytes:
    """Auth0 concatenates the salt before (``prefix``, the default) or after the password."""
    return salt + password if position == "prefix" else password + salt
