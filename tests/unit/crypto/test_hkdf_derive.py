"""HKDF-SHA-256: RFC 5869 vectors and purpose separation."""

from __future__ import annotations

import pytest

from tier0.crypto import derive_key
from tier0.crypto.derive import hkdf_sha256


def test_rfc5869_test_case_1() -> None:
    okm = hkdf_sha256(
        b"\x0b" * 22,
        salt=bytes(range(13)),
        info=bytes(range(0xF0, 0xFA)),
        length=42,
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_rfc5869_test_case_3_no_salt_no_info() -> None:
    okm = hkdf_sha256(b"\x0b" * 22, salt=b"", info=b"", length=42)
    assert okm.hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )


def test_derive_key_is_hkdf_with_purpose_as_info() -> None:
    master = bytes(range(32))
    expected = hkdf_sha256(master, salt=None, info=b"field-encryption", length=32)
    assert derive_key(master, purpose="field-encryption") == expected


def test_purposes_give_independent_keys() -> None:
    master = bytes(range(32))
    a = derive_key(master, purpose="field-encryption")
    b = derive_key(master, purpose="blind-index")
    assert a != b
    assert len(a) == len(b) == 32
    assert derive_key(master, purpose="blind-index") == b, "deterministic"
    assert len(derive_key(master, purpose="x", length=64)) == 64


def test_weak_master_or_bad_parameters_refused() -> None:
    with pytest.raises(ValueError):
        derive_key(b"password", purpose="p")
    with pytest.raises(ValueError):
        derive_key(bytes(32), purpose="")
    with pytest.raises(ValueError):
        derive_key(bytes(32), purpose="p", length=8)
    with pytest.raises(ValueError):
        hkdf_sha256(bytes(32), salt=None, info=b"", length=255 * 32 + 1)
