"""Make values safe to put into a security event (LG-02).

Two kinds of problems are handled differently on purpose:

- *Programming mistakes* (a detail key that names a secret, a non-JSON value, a structure
  too deep) raise :class:`UnsafeEventDetail` at once, so a test of the emitting code fails
  long before production.
- *Hostile or odd data* (a username with a newline, a 10 kB user agent, an email typed
  where a username was expected) never raises: it is escaped, truncated or redacted, so an
  attacker cannot make sign-in crash by sending it, nor forge a second log record.

ASVS 16.4.1: "the application appropriately encodes data to prevent log injection".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final, TypeAlias

JsonValue: TypeAlias = (
    str | int | float | bool | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None
)
"""A JSON-safe value as stored in :attr:`SecurityEvent.details` (lists become tuples)."""

MAX_STRING: Final = 512
MAX_DETAIL_STRING: Final = 1024
MAX_ITEMS: Final = 50
MAX_DEPTH: Final = 4
TRUNCATION_MARK: Final = "…[truncated]"


class UnsafeEventDetail(ValueError):
    """A detail would put a secret (or a non-JSON value) into an event. Names the key only."""


# Words that, as one `_`-separated part of a detail key, mark the value as a secret
# (LG-02: passwords, OTPs, seeds, client secrets, codes, tokens, cookies, Authorization
# headers, assertions). Emails and phone numbers are personal data: pseudonymise instead.
SECRET_WORDS: Final = frozenset(
    {
        "password", "passwd", "passphrase", "pwd", "secret", "token", "code", "otp", "totp",
        "hotp", "seed", "cookie", "cookies", "authorization", "assertion", "credential",
        "credentials", "pin", "jwt", "bearer", "verifier", "private", "apikey", "session",
        "nonce", "signature", "link", "url",
    }
)  # fmt: skip
PII_WORDS: Final = frozenset({"email", "mail", "phone", "username"})
# A key ending in one of these says the value was already made safe by the caller.
SAFE_SUFFIXES: Final = ("_hash", "_prefix", "_fingerprint", "_hint")
# Compound keys that contain a listed word but describe no secret.
SAFE_KEYS: Final = frozenset(
    {
        "token_type", "token_kind", "code_challenge_method", "token_endpoint_auth_method",
        "error_code", "status_code", "session_count", "session_lifetime", "token_lifetime",
    }
)  # fmt: skip

_KEY_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
_EMAIL_RE: Final = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_JWT_RE: Final = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER_RE: Final = re.compile(r"(?i)\b(bearer|basic)\s+\S+")
# C0, DEL, C1 controls and the Unicode line/paragraph separators, which some log viewers
# treat as line breaks. The backslash is escaped too so an escape can't be forged.
_UNSAFE_CHARS_RE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Text made of these characters only has nothing to redact (an email needs "@", a JWT ".",
# a bearer credential a space) and nothing to escape: ids, client ids, tenant names. Most
# event strings are such ids, and the redaction patterns cost tens of microseconds each.
_PLAIN_RE: Final = re.compile(r"[A-Za-z0-9_|:+=/-]*")
_NAMED_ESCAPES: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def clean_text(value: str, *, limit: int = MAX_STRING) -> str:
    """Redact emails and bearer tokens, escape CR/LF and other control characters, then
    truncate to ``limit`` characters.

    ``"a\\nFAKE"`` becomes ``"a\\\\nFAKE"``: one record stays one line in every sink.
    """
    if len(value) <= limit and _PLAIN_RE.fullmatch(value):
        return value  # what _clean_text_fully returns for it, without the patterns
    return _clean_text_fully(value, limit)


def _clean_text_fully(value: str, limit: int) -> str:
    escaped = _UNSAFE_CHARS_RE.sub(_escape_char, _redact(value))
    if len(escaped) <= limit:
        return escaped
    return escaped[: limit - len(TRUNCATION_MARK)] + TRUNCATION_MARK


def clean_optional(value: str | None, *, limit: int = MAX_STRING) -> str | None:
    return None if value is None else clean_text(value, limit=limit)


def _redact(value: str) -> str:
    """Replace things that must never sit in an event even when they arrive as data."""
    value = _JWT_RE.sub("[redacted:jwt]", value)
    value = _BEARER_RE.sub(r"\1 [redacted]", value)
    return _EMAIL_RE.sub("[redacted:email]", value)


def check_key(key: object) -> str:
    """Return ``key`` if it may name a detail, else raise :class:`UnsafeEventDetail`."""
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise UnsafeEventDetail("detail keys must be snake_case identifiers of ≤64 chars")
    if key in SAFE_KEYS or key.endswith(SAFE_SUFFIXES):
        return key
    parts = set(key.split("_"))
    if parts & SECRET_WORDS:
        raise UnsafeEventDetail(
            f"detail key {key!r} looks like a secret; store a keyed hash or a prefix "
            f"under a key ending in one of {', '.join(SAFE_SUFFIXES)}"
        )
    if parts & PII_WORDS:
        raise UnsafeEventDetail(
            f"detail key {key!r} looks like personal data; use the user id, or a keyed hash "
            f"under a key ending in _hash"
        )
    return key


def clean_details(details: Mapping[str, object] | None) -> Mapping[str, JsonValue]:
    """Escape, redact and truncate a details mapping into a deeply immutable JSON mapping.

    Raises :class:`UnsafeEventDetail` for a secret-looking or personal-data key, a non-JSON
    value, too many keys or too deep a structure.
    """
    return _clean_mapping(details or {}, depth=1, escape=True)


def freeze_details(details: Mapping[str, object]) -> Mapping[str, JsonValue]:
    """Check already-clean details (e.g. read back from storage) without changing them.

    Same key rules as :func:`clean_details`, but strings are only checked, not escaped
    again (escaping is not idempotent: it doubles backslashes).
    """
    return _clean_mapping(details, depth=1, escape=False)


def check_text(value: str, *, limit: int = MAX_STRING) -> str:
    """Return ``value`` if it is already clean (no control character, within ``limit``)."""
    if _CONTROL_RE.search(value):
        raise ValueError("event text holds an unescaped control character; use clean_text")
    if len(value) > limit:
        raise ValueError(f"event text longer than {limit} characters; use clean_text")
    return value


def _clean_mapping(
    value: Mapping[str, object], *, depth: int, escape: bool
) -> Mapping[str, JsonValue]:
    if depth > MAX_DEPTH:
        raise UnsafeEventDetail(f"details nest deeper than {MAX_DEPTH} levels")
    if len(value) > MAX_ITEMS:
        raise UnsafeEventDetail(f"details hold more than {MAX_ITEMS} keys")
    cleaned = {check_key(k): _clean_value(v, depth=depth, escape=escape) for k, v in value.items()}
    return MappingProxyType(dict(sorted(cleaned.items())))


def _clean_value(value: object, *, depth: int, escape: bool) -> JsonValue:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsafeEventDetail("details may not hold NaN or infinity")
        return value
    if isinstance(value, str):
        if escape:
            return clean_text(value, limit=MAX_DETAIL_STRING)
        return check_text(value, limit=MAX_DETAIL_STRING)
    if isinstance(value, Mapping):
        return _clean_mapping(value, depth=depth + 1, escape=escape)
    if isinstance(value, list | tuple):
        if depth + 1 > MAX_DEPTH:
            raise UnsafeEventDetail(f"details nest deeper than {MAX_DEPTH} levels")
        # Data-dependent length (e.g. a scope list): cut rather than fail.
        return tuple(_clean_value(v, depth=depth + 1, escape=escape) for v in value[:MAX_ITEMS])
    raise UnsafeEventDetail(f"details may only hold JSON values, not {type(value).__name__}")
