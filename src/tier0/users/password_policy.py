"""Password policy: the rules a new password must meet (PW-03, PW-04, PW-05).

Follows NIST SP 800-63B-4 §3.1.1.2 rather than composition rules:

- "Verifiers and CSPs SHALL require passwords to be a minimum of eight characters in length
  and SHOULD require passwords to be a minimum of 15 characters in length." tier0 defaults to
  12 (what the tier0 issue asks for, above the SHALL); a tenant whose users sign in with a
  password as the *only* factor should raise ``min_length`` to
  :data:`NIST_SOLE_FACTOR_MIN_LENGTH` (15). The floor is 8.
- "SHOULD permit a maximum password length of at least 64 characters": ``max_length`` can not
  be set below 64.
- "Each Unicode code point SHALL be counted as a single character": length is
  ``len(normalize_password(p))``; an emoji is 1.
- "SHALL NOT impose other composition rules": there are none. No case folding (except for
  blocklist/context matching, which only ever *refuses*), no truncation.
- "SHOULD apply the normalization process for stabilized strings using either the NFKC or
  NFKD normalization": :func:`normalize_password` (NFKC) is what gets hashed and verified.
- Characters: 63B asks to accept all printing ASCII, the space, and Unicode. tier0 refuses
  only what is not a printable part of a password: NUL (it terminates strings in C layers
  such as bcrypt, which refuses it) and lone surrogates (not Unicode scalar values, they
  cannot be encoded as UTF-8). Code ``password_invalid_characters``.
- Hash-DoS (PW-04, ASVS 15.2.2): the UTF-8 byte cap is checked *first*, before
  normalisation, blocklist lookups or hashing, and in O(1) for huge inputs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from tier0.errors import InvalidInput
from tier0.users.breached import strip_affixes

NIST_SOLE_FACTOR_MIN_LENGTH = 15
"""63B-4's SHOULD for a password that is the only authentication factor."""

_FLOOR_MIN_LENGTH = 8
_FLOOR_MAX_LENGTH = 64
_FLOOR_MAX_BYTES = 4 * _FLOOR_MAX_LENGTH  # 64 code points of up to 4 UTF-8 bytes each
_MAX_HISTORY = 24  # Auth0's password_history size limit
_CONTEXT_SUBSTRING_MIN = 4
_CONTEXT_PATTERN_MIN = 3


class RejectionCode(StrEnum):
    """Stable codes for a refused password; the UI maps them to messages."""

    TOO_SHORT = "password_too_short"
    TOO_LONG = "password_too_long"
    INVALID_CHARACTERS = "password_invalid_characters"
    BLOCKLISTED = "password_blocklisted"
    CONTAINS_USER_INFO = "password_contains_user_info"
    REUSED = "password_reused"


class PasswordRejected(InvalidInput):
    """A password does not meet the policy. The message is safe to show to the user, and
    ``code`` (a :class:`RejectionCode`) is what the surfaces put in ``errorCode``."""

    code: RejectionCode

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PasswordPolicy:
    """A tenant's password rules. Validated on construction."""

    min_length: int = 12
    """Minimum length in code points after NFKC (≥8; use 15 when password is the sole factor)."""
    max_length: int = 256
    """Maximum length in code points after NFKC (≥64)."""
    max_bytes: int = 1024
    """Hard cap on the raw UTF-8 input, checked before anything else (PW-04)."""
    history_size: int = 0
    """How many previous passwords may not be reused (0 = off, at most 24)."""
    blocklist: bool = True
    """Refuse breached and common passwords (and their common variants)."""
    context_check: bool = True
    """Refuse passwords containing the user's email, username, name, tenant or app name."""

    def __post_init__(self) -> None:
        if not _FLOOR_MIN_LENGTH <= self.min_length <= self.max_length:
            raise ValueError(f"min_length must be between {_FLOOR_MIN_LENGTH} and max_length")
        if self.max_length < _FLOOR_MAX_LENGTH:
            raise ValueError(f"max_length must allow at least {_FLOOR_MAX_LENGTH} characters")
        if self.max_bytes < _FLOOR_MAX_BYTES:
            raise ValueError(f"max_bytes must be at least {_FLOOR_MAX_BYTES}")
        if not 0 <= self.history_size <= _MAX_HISTORY:
            raise ValueError(f"history_size must be between 0 and {_MAX_HISTORY}")


class Blocklist(Protocol):
    """Anything that can tell whether a normalised password is known to be breached/common."""

    def contains(self, password: str) -> bool: ...


def normalize_password(password: str) -> str:
    """The form that is hashed and compared: NFKC (63B-4 §3.1.1.2)."""
    return unicodedata.normalize("NFKC", password)


def enforce_byte_cap(password: str, max_bytes: int) -> None:
    """Refuse an over-long input cheaply: O(1) when it has more code points than the cap."""
    too_long = f"This password is too long: at most {max_bytes} bytes."
    if len(password) > max_bytes:  # every code point is at least one UTF-8 byte
        raise PasswordRejected(RejectionCode.TOO_LONG, too_long)
    try:
        size = len(password.encode("utf-8"))
    except UnicodeEncodeError:  # lone surrogates
        raise PasswordRejected(
            RejectionCode.INVALID_CHARACTERS,
            "This password contains characters that can't be used.",
        ) from None
    if size > max_bytes:
        raise PasswordRejected(RejectionCode.TOO_LONG, too_long)


def check_password(
    password: str,
    policy: PasswordPolicy,
    *,
    context: Sequence[str],
    blocklist: Blocklist | None = None,
) -> None:
    """Raise :class:`PasswordRejected` unless ``password`` may be set under ``policy``.

    ``context`` holds the user's email, username, name parts, the tenant and app names.
    ``blocklist`` is required when ``policy.blocklist`` is on. Password history is async
    (it needs the hasher) and lives in :func:`check_not_reused`.
    """
    enforce_byte_cap(password, policy.max_bytes)  # PW-04: first, before anything costly
    if "\x00" in password:
        raise PasswordRejected(
            RejectionCode.INVALID_CHARACTERS,
            "This password contains characters that can't be used.",
        )
    normalized = normalize_password(password)
    if len(normalized) < policy.min_length:
        raise PasswordRejected(
            RejectionCode.TOO_SHORT, f"Use at least {policy.min_length} characters."
        )
    if len(normalized) > policy.max_length:
        raise PasswordRejected(
            RejectionCode.TOO_LONG, f"Use at most {policy.max_length} characters."
        )
    if policy.context_check and contains_user_info(normalized, context):
        raise PasswordRejected(
            RejectionCode.CONTAINS_USER_INFO,
            "This password contains your name, email address or the name of this service.",
        )
    if policy.blocklist:
        if blocklist is None:
            raise ValueError("this policy needs a blocklist to check passwords against")
        if blocklist.contains(normalized):
            raise PasswordRejected(
                RejectionCode.BLOCKLISTED,
                "This password is too common or has appeared in a data breach.",
            )


def context_words(values: Iterable[str]) -> set[str]:
    """Split user/tenant context into lower-cased words worth refusing.

    An email gives its local part, the local part's pieces and the domain labels except the
    top-level one (``alice.smith+x@acme-corp.example`` -> ``alice.smith+x``, ``alice``,
    ``smith``, ``acme-corp``, ``acme``, ``corp``). Words under 3 characters are dropped.
    """
    words: set[str] = set()
    for raw in values:
        value = unicodedata.normalize("NFKC", raw).casefold().strip()
        if not value:
            continue
        local, at, domain = value.rpartition("@")
        chunks = [local, *domain.split(".")[:-1]] if at else [value]
        for chunk in chunks:
            words.add(chunk)
            words.update("".join(c if c.isalnum() else " " for c in chunk).split())
    return {w for w in words if len(w) >= _CONTEXT_PATTERN_MIN}


def contains_user_info(normalized: str, context: Sequence[str]) -> bool:
    """Substring match for words of 4+ characters; ``<word><digits><symbols>`` for 3+."""
    candidate = normalized.casefold()
    core = strip_affixes(candidate)
    for word in context_words(context):
        if len(word) >= _CONTEXT_SUBSTRING_MIN and word in candidate:
            return True
        if core and core == word * (len(core) // len(word)):
            return True
    return False


PasswordMatcher = Callable[[str, str], Awaitable[bool]]
"""``(normalized_password, stored_hash) -> matches``; adapts the hasher's raising verify."""


async def check_not_reused(
    password: str,
    previous_hashes: Sequence[str],
    policy: PasswordPolicy,
    matches: PasswordMatcher,
) -> None:
    """Refuse a password equal to one of the last ``policy.history_size`` ones.

    ``previous_hashes`` is newest first; only the first ``history_size`` are checked, so a
    long stored history never costs more than the policy asks for.
    """
    if policy.history_size == 0:
        return
    normalized = normalize_password(password)
    for stored in previous_hashes[: policy.history_size]:
        if await matches(normalized, stored):
            raise PasswordRejected(
                RejectionCode.REUSED, "Choose a password you have not used recently."
            )
