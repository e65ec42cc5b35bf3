"""Recovery codes: ten single-use codes, shown once, stored as keyed hashes (MF-02)."""

from __future__ import annotations

import secrets

COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes: 0/o, 1/l/i
LENGTH = 16
"""16 characters of a 31-letter alphabet: about 79 bits each."""
PURPOSE = "mfa-recovery-code"


def new_codes() -> list[str]:
    return [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(LENGTH // 4))
        for _ in range(COUNT)
    ]


def normalize(code: str) -> str:
    """What is hashed: lower case, no separators or spaces, so typing style does not matter."""
    return "".join(ch for ch in code.lower() if ch.isalnum())
