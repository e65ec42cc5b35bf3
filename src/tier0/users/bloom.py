"""A minimal Bloom filter: the file format of tier0's shipped breached-password list.

A lookup costs ``k`` BLAKE2b-derived bit probes, O(1) in the size of the list. Items are
hashed once with keyed-personalised BLAKE2b and the ``k`` positions are derived with the
Kirsch-Mitzenmacher construction ``h1 + i * h2``, which keeps the false positive rate of
``k`` independent hashes (Kirsch & Mitzenmacher, "Less Hashing, Same Performance", 2006).

File layout (big-endian): ``b"T0BLOOM1"``, bit count (u64), hash count (u32), item count
(u64), then ``ceil(bits / 8)`` bytes of bits, bit ``i`` at byte ``i >> 3``, mask
``1 << (i & 7)``.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass, field

MAGIC = b"T0BLOOM1"
_HEADER = struct.Struct(">8sQIQ")
_PERSON = b"tier0-bloom-v1"


class BloomFormatError(ValueError):
    """The bytes are not a tier0 Bloom filter file."""


def optimal_hash_count(bits: int, items: int) -> int:
    """The ``k`` that minimises the false positive rate: ``(m / n) ln 2``."""
    return max(1, round(bits / max(items, 1) * math.log(2)))


def _positions(item: str, bits: int, hashes: int) -> list[int]:
    digest = hashlib.blake2b(item.encode("utf-8"), digest_size=16, person=_PERSON).digest()
    h1 = int.from_bytes(digest[:8], "big")
    h2 = int.from_bytes(digest[8:], "big") | 1  # odd, so the probes never collapse to one
    return [(h1 + i * h2) % bits for i in range(hashes)]


@dataclass(eq=False)
class BloomFilter:
    """A fixed-size Bloom filter over UTF-8 strings."""

    bits: int
    hashes: int
    data: bytearray = field(repr=False)
    count: int = 0

    @classmethod
    def empty(cls, *, bits: int, hashes: int) -> BloomFilter:
        if bits <= 0 or hashes <= 0:
            raise ValueError("a Bloom filter needs at least one bit and one hash")
        return cls(bits=bits, hashes=hashes, data=bytearray((bits + 7) // 8))

    @classmethod
    def from_bytes(cls, raw: bytes) -> BloomFilter:
        """Parse a filter file, checking its magic and that its size matches its header."""
        if len(raw) < _HEADER.size:
            raise BloomFormatError("file too short for a Bloom filter header")
        magic, bits, hashes, count = _HEADER.unpack_from(raw)
        if magic != MAGIC:
            raise BloomFormatError("not a tier0 Bloom filter (bad magic)")
        body = raw[_HEADER.size :]
        if bits == 0 or hashes == 0 or len(body) != (bits + 7) // 8:
            raise BloomFormatError("Bloom filter header does not match its size")
        return cls(bits=bits, hashes=hashes, data=bytearray(body), count=count)

    def to_bytes(self, *, count: int | None = None) -> bytes:
        n = self.count if count is None else count
        return _HEADER.pack(MAGIC, self.bits, self.hashes, n) + bytes(self.data)

    def add(self, item: str) -> None:
        for pos in _positions(item, self.bits, self.hashes):
            self.data[pos >> 3] |= 1 << (pos & 7)
        self.count += 1

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, str):
            return False
        data = self.data
        return all(
            data[pos >> 3] & (1 << (pos & 7)) for pos in _positions(item, self.bits, self.hashes)
        )

    def false_positive_rate(self) -> float:
        """The expected rate for ``count`` items: ``(1 - e^(-kn/m))^k``."""
        return float((1 - math.exp(-self.hashes * self.count / self.bits)) ** self.hashes)
