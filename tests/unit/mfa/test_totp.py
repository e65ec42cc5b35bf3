"""TOTP: RFC 6238 Appendix B vectors, the ±1 step window, and replay refusal (MF-01)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tier0.mfa import recovery, totp

RFC_SEED = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    "moment, expected",
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_mf01_rfc6238_appendix_b_sha1(moment: int, expected: str) -> None:
    assert totp.code_at_step(RFC_SEED, moment // 30, digits=8) == expected


def test_mf01_window_and_replay() -> None:
    seed = totp.new_seed()
    now = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
    step = totp.step_at(now)
    code = totp.code_at_step(seed, step)
    assert totp.matching_step(seed, code, now, last_step=None) == step
    # Used once: the same code (same step) and any older step are refused afterwards.
    assert totp.matching_step(seed, code, now, last_step=step) is None
    previous = totp.code_at_step(seed, step - 1)
    assert totp.matching_step(seed, previous, now, last_step=step) is None
    # ±1 step of drift is accepted; t-2 is not.
    assert totp.matching_step(seed, previous, now, last_step=None) == step - 1
    assert totp.matching_step(seed, totp.code_at_step(seed, step + 1), now, last_step=None)
    assert totp.matching_step(seed, totp.code_at_step(seed, step - 2), now, last_step=None) is None
    later = now + timedelta(seconds=90)
    assert totp.matching_step(seed, code, later, last_step=None) is None


@pytest.mark.parametrize("junk", ["", "12345", "1234567", "abcdef", "12 34 5x", "٠١٢٣٤٥"])
def test_malformed_codes_never_match(junk: str) -> None:
    assert totp.matching_step(totp.new_seed(), junk, datetime.now(UTC), last_step=None) is None


def test_mf02_seeds_are_160_bit_and_uri_is_well_formed() -> None:
    seed = totp.new_seed()
    assert len(base64.b32decode(seed)) == 20
    assert seed != totp.new_seed()
    uri = totp.otpauth_uri(seed, account="a@example.com", issuer="Acme Corp")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    query = parse_qs(parts.query)
    assert query["secret"] == [seed] and query["issuer"] == ["Acme Corp"]
    assert query["digits"] == ["6"] and query["period"] == ["30"]


def test_recovery_codes_are_distinct_and_normalised() -> None:
    codes = recovery.new_codes()
    assert len(codes) == 10 == len(set(codes))
    assert all(len(recovery.normalize(c)) == 16 for c in codes)
    assert recovery.normalize(codes[0].upper().replace("-", " ")) == recovery.normalize(codes[0])
