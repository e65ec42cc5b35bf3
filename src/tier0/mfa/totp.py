"""Time-based one-time passwords (RFC 6238) over pyotp, with replay protection.

pyotp computes codes; it does not stop a code from being used twice. RFC 6238 §5.2: "the
verifier MUST NOT accept the second attempt of the OTP after the successful validation has
been issued for the first OTP". We return the time step a code matched, and the caller
stores it atomically as the factor's last used step: any code of that step or an earlier
one is refused afterwards (MF-01).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime
from urllib.parse import quote, urlencode

import pyotp

PERIOD = 30
DIGITS = 6
WINDOW = 1
"""Steps accepted either side of now: ±30 s of clock drift (RFC 6238 §5.2 and §6)."""
SEED_BYTES = 20
"""160-bit seeds, the length RFC 4226 §4 recommends (MF-02)."""


def new_seed() -> str:
    """A fresh base32 seed from the OS CSPRNG."""
    return base64.b32encode(secrets.token_bytes(SEED_BYTES)).decode("ascii")


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // PERIOD


def code_at_step(seed: str, step: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    return pyotp.TOTP(seed, digits=digits, interval=PERIOD, digest=digest).at(step * PERIOD)


def matching_step(
    seed: str, code: str, now: datetime, *, last_step: int | None, window: int = WINDOW
) -> int | None:
    """The time step ``code`` belongs to, if it is within the window and newer than
    ``last_step``; otherwise None. Every candidate is compared in constant time."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    current = step_at(now)
    found: int | None = None
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(code_at_step(seed, step), code) and found is None:
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


def otpauth_uri(seed: str, *, account: str, issuer: str) -> str:
    """The `otpauth://` URI authenticator apps scan (Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {"secret": seed, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD}
    )
    return f"otpauth://totp/{label}?{query}"
