"""Keyed hashes: RFC 4231 HMAC-SHA-256 vectors, purpose separation, redacted repr."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tier0.crypto import HashKey
from tier0.crypto.keyed_hash import hmac_sha256

# RFC 4231 §4.2-§4.8 (test case 5, the truncated one, does not apply to full digests).
_LONG_KEY = b"\xaa" * 131
RFC4231 = [
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (
        b"Jefe",
        b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (
        b"\xaa" * 20,
        b"\xdd" * 50,
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ),
    (
        bytes(range(1, 26)),
        b"\xcd" * 50,
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ),
    (
        _LONG_KEY,
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        _LONG_KEY,
        b"This is a test using a larger than block-size key and a larger than block-size data."
        b" The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]

KEY = HashKey(bytes(range(32)))


@pytest.mark.parametrize(("key", "data", "expected"), RFC4231)
def test_hmac_sha256_rfc4231_vectors(key: bytes, data: bytes, expected: str) -> None:
    assert hmac_sha256(key, data).hex() == expected


def test_digest_is_hmac_of_purpose_nul_value() -> None:
    raw = hmac_sha256(bytes(range(32)), b"authorization_code\x00abc")
    expected = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert KEY.digest("abc", purpose="authorization_code") == expected
    assert KEY.digest(b"abc", purpose="authorization_code") == expected


def test_purposes_separate_domains() -> None:
    value = "same-token-text"
    code = KEY.digest(value, purpose="authorization_code")
    assert KEY.digest(value, purpose="refresh_token") != code
    assert not KEY.matches(value, code, purpose="refresh_token")
    assert KEY.matches(value, code, purpose="authorization_code")


def test_different_keys_differ() -> None:
    other = HashKey(bytes(32))
    assert other.digest("v", purpose="p") != KEY.digest("v", purpose="p")


@given(st.text(), st.text(), st.text())
def test_matches_only_the_same_value(value: str, other: str, purpose_tail: str) -> None:
    purpose = "p" + purpose_tail.replace("\x00", "")
    digest = KEY.digest(value, purpose=purpose)
    assert KEY.matches(value, digest, purpose=purpose)
    assert KEY.matches(other, digest, purpose=purpose) == (other == value)


def test_matches_tolerates_garbage_digest() -> None:
    assert not KEY.matches("v", "not-a-digest-é", purpose="p")


@pytest.mark.parametrize("purpose", ["", "a\x00b"])
def test_ambiguous_purpose_refused(purpose: str) -> None:
    with pytest.raises(ValueError):
        KEY.digest("v", purpose=purpose)


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_key_must_be_256_bits(size: int) -> None:
    with pytest.raises(ValueError):
        HashKey(b"k" * size)


def test_repr_hides_key() -> None:
    key = HashKey(b"\x41" * 32)
    assert "A" * 8 not in repr(key)
    assert "41" * 4 not in repr(key)
    assert repr(key) == "HashKey(<redacted>)"


@given(st.binary(min_size=32, max_size=32), st.lists(st.binary(max_size=200), max_size=4))
def test_prepared_key_digests_equal_a_fresh_hmac_every_time(
    key: bytes, values: list[bytes]
) -> None:
    """HashKey copies an HMAC with the key already absorbed: no call may see another's data."""
    prepared = HashKey(key)
    for value in [*values, *values]:
        expected = hmac_sha256(key, b"p\x00" + value)
        encoded = base64.urlsafe_b64encode(expected).rstrip(b"=").decode()
        assert prepared.digest(value, purpose="p") == encoded
