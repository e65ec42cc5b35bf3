"""DP-01: AES-256-GCM envelopes with unique nonces, bound to tenant/table/column/row."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from tier0.crypto import DecryptionError, aad_for, generate_key, open_, seal
from tier0.crypto.aead import NONCE_BYTES

KEY = bytes(range(32))
AAD = aad_for("ten_1", "users", "email", "usr_1")


@settings(max_examples=100)
@given(st.binary(max_size=2048), st.binary(max_size=256))
def test_dp01_seal_open_round_trip(plaintext: bytes, aad: bytes) -> None:
    blob = seal(KEY, plaintext, aad=aad)
    assert open_(KEY, blob, aad=aad) == plaintext
    assert len(blob) == 1 + NONCE_BYTES + len(plaintext) + 16


def test_dp01_blob_layout_is_version_nonce_gcm() -> None:
    blob = seal(KEY, b"secret", aad=b"ctx")
    assert blob[0] == 1
    nonce, body = blob[1:13], blob[13:]
    # The version byte is authenticated as a prefix of the associated data.
    assert AESGCM(KEY).decrypt(nonce, body, b"\x01ctx") == b"secret"


def test_dp01_ciphertext_hides_plaintext() -> None:
    canary = b"canary-secret-4242@example.com"
    assert canary not in seal(KEY, canary, aad=AAD)


def test_dp01_any_flipped_byte_is_refused() -> None:
    blob = seal(KEY, b"a TOTP seed JBSWY3DPEHPK3PXP", aad=AAD)
    for index in range(len(blob)):
        for bit in (0x01, 0x80):
            tampered = bytearray(blob)
            tampered[index] ^= bit
            with pytest.raises(DecryptionError):
                open_(KEY, bytes(tampered), aad=AAD)


@pytest.mark.parametrize(
    "cut", [0, 1, 12, 13, 28], ids=["empty", "version", "partial-nonce", "no-tag", "short-tag"]
)
def test_dp01_truncated_blob_is_refused(cut: int) -> None:
    blob = seal(KEY, b"", aad=AAD)
    with pytest.raises(DecryptionError):
        open_(KEY, blob[:cut], aad=AAD)


def test_dp01_ciphertext_moved_to_another_row_fails() -> None:
    blob = seal(KEY, b"alice@example.com", aad=aad_for("ten_1", "users", "email", "usr_1"))
    for other in (
        aad_for("ten_1", "users", "email", "usr_2"),
        aad_for("ten_2", "users", "email", "usr_1"),
        aad_for("ten_1", "users", "name", "usr_1"),
        aad_for("ten_1", "clients", "email", "usr_1"),
    ):
        with pytest.raises(DecryptionError):
            open_(KEY, blob, aad=other)


def test_dp01_wrong_key_fails_with_one_opaque_error() -> None:
    blob = seal(KEY, b"x", aad=AAD)
    with pytest.raises(DecryptionError) as info:
        open_(generate_key(), blob, aad=AAD)
    assert str(info.value) == "ciphertext could not be decrypted"


def test_dp01_unknown_version_refused() -> None:
    blob = bytearray(seal(KEY, b"x", aad=AAD))
    blob[0] = 2
    with pytest.raises(DecryptionError):
        open_(KEY, bytes(blob), aad=AAD)


def test_dp01_nonces_unique_across_many_seals() -> None:
    count = 20_000
    nonces = {seal(KEY, b"same plaintext", aad=AAD)[1:13] for _ in range(count)}
    assert len(nonces) == count


def test_dp01_same_plaintext_gives_different_blobs() -> None:
    assert seal(KEY, b"same", aad=AAD) != seal(KEY, b"same", aad=AAD)


@pytest.mark.parametrize("size", [0, 16, 24, 31, 33])
def test_dp01_only_256_bit_keys(size: int) -> None:
    with pytest.raises(ValueError):
        seal(b"k" * size, b"x", aad=b"")


def test_generate_key_is_fresh_256_bits() -> None:
    keys = {generate_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == 32 for k in keys)


_part = st.text(max_size=12)


@given(st.tuples(_part, _part, _part, _part), st.tuples(_part, _part, _part, _part))
def test_dp01_aad_encoding_is_unambiguous(
    a: tuple[str, str, str, str], b: tuple[str, str, str, str]
) -> None:
    assert (aad_for(*a) == aad_for(*b)) == (a == b)


def test_dp01_aad_concatenation_ambiguity_avoided() -> None:
    assert aad_for("t", "ab", "c", "r") != aad_for("t", "a", "bc", "r")
