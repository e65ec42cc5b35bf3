"""Tamper-evident, per-tenant hash chain over audit events (LG-03, ASVS 16.4.2-16.4.3).

    h_0 = genesis(tenant)  = HMAC-SHA256(k, "tier0.audit.genesis.v1" ‖ 0x00 ‖ tenant)
    h_i = link(h_{i-1}, e_i) = HMAC-SHA256(k, h_{i-1} ‖ canonical(e_i))

Each stored :class:`ChainRecord` keeps its sequence number, the previous hash it was linked
to and its own hash. Without the key nobody can compute a valid ``h_i``, so

- editing a record's bytes breaks ``hash == link(prev_hash, bytes)``        -> ``altered``;
- deleting records leaves a sequence gap, or a ``prev_hash`` that no longer
  matches the record before it                                              -> ``removed``;
- moving records leaves a ``prev_hash`` that belongs to a later record       -> ``reordered``.

``link`` needs no domain label: its input starts with a 32-byte HMAC output, which cannot
equal the fixed ASCII labels used by genesis and checkpoints except with negligible
probability.

Signed checkpoints
------------------
Deleting the *newest* records (truncation) leaves a shorter, still valid chain. A
checkpoint pins the head: ``mac = HMAC-SHA256(k, "tier0.audit.checkpoint.v1" ‖ 0x00 ‖
len(tenant) as 4-byte big-endian ‖ tenant ‖ seq as 8-byte big-endian ‖ hash)``. Stored
away from the events (or exported), it proves the chain once reached ``seq`` with ``hash``;
:func:`verify_chain` reports a chain that is shorter or differs there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import AsyncIterable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

HASH_SIZE: Final = 32
MIN_KEY_SIZE: Final = 32
_GENESIS_LABEL: Final = b"tier0.audit.genesis.v1\x00"
_CHECKPOINT_LABEL: Final = b"tier0.audit.checkpoint.v1\x00"
_TEXT_PREFIX: Final = "tier0-ckpt.v1"


def _check_key(key: bytes) -> None:
    if len(key) < MIN_KEY_SIZE:
        raise ValueError(f"the chain key must be at least {MIN_KEY_SIZE} bytes")


def genesis(tenant_id: str, key: bytes) -> bytes:
    """The hash every tenant's chain starts from (``h_0``); keyed so it can't be forged."""
    _check_key(key)
    return hmac.new(key, _GENESIS_LABEL + tenant_id.encode("utf-8"), hashlib.sha256).digest()


def link(prev_hash: bytes, event_bytes: bytes, key: bytes) -> bytes:
    """``HMAC-SHA256(key, prev_hash ‖ event_bytes)``: the hash of the next record."""
    _check_key(key)
    if len(prev_hash) != HASH_SIZE:
        raise ValueError("prev_hash must be a 32-byte chain hash")
    return hmac.new(key, prev_hash + event_bytes, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class ChainRecord:
    """One link as stored: sequence number (from 1), the hash it extends, its bytes, its hash."""

    tenant_id: str
    seq: int
    prev_hash: bytes
    event_bytes: bytes
    hash: bytes

    def intact(self, key: bytes) -> bool:
        """True if ``hash`` is the link of ``prev_hash`` and ``event_bytes`` under ``key``."""
        return hmac.compare_digest(self.hash, link(self.prev_hash, self.event_bytes, key))


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest point of a tenant's chain: what the next record links to."""

    tenant_id: str
    seq: int
    hash: bytes

    @classmethod
    def start(cls, tenant_id: str, key: bytes) -> ChainHead:
        """The head of an empty chain: sequence 0 at the genesis hash."""
        return cls(tenant_id, 0, genesis(tenant_id, key))

    def extend(self, event_bytes: bytes, key: bytes) -> ChainRecord:
        """The record that appends ``event_bytes`` after this head."""
        return ChainRecord(
            tenant_id=self.tenant_id,
            seq=self.seq + 1,
            prev_hash=self.hash,
            event_bytes=event_bytes,
            hash=link(self.hash, event_bytes, key),
        )

    @classmethod
    def of(cls, record: ChainRecord) -> ChainHead:
        return cls(record.tenant_id, record.seq, record.hash)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement that ``tenant_id``'s chain reached ``seq`` with ``hash``."""

    tenant_id: str
    seq: int
    hash: bytes
    mac: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.seq < 0:
            raise ValueError("checkpoint sequence numbers start at 0")

    @classmethod
    def sign(cls, head: ChainHead, key: bytes) -> Checkpoint:
        return cls(head.tenant_id, head.seq, head.hash, _checkpoint_mac(head, key))

    def to_text(self) -> str:
        """``tier0-ckpt.v1.<tenant>.<seq>.<hash>.<mac>`` (base64url parts) for export."""
        parts = [
            _b64(self.tenant_id.encode("utf-8")),
            str(self.seq),
            _b64(self.hash),
            _b64(self.mac),
        ]
        return ".".join([_TEXT_PREFIX, *parts])

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse :meth:`to_text` output. Raises ValueError; the MAC is checked by verify."""
        parts = text.strip().split(".")
        if len(parts) != 6 or ".".join(parts[:2]) != _TEXT_PREFIX or not parts[3].isdigit():
            raise ValueError("not a tier0 checkpoint")
        try:
            tenant = _unb64(parts[2]).decode("utf-8")
            digest, mac = _unb64(parts[4]), _unb64(parts[5])
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError("not a tier0 checkpoint") from exc
        if len(digest) != HASH_SIZE or len(mac) != HASH_SIZE:
            raise ValueError("not a tier0 checkpoint")
        return cls(tenant, int(parts[3]), digest, mac)

    def valid(self, key: bytes) -> bool:
        expected = _checkpoint_mac(ChainHead(self.tenant_id, self.seq, self.hash), key)
        return hmac.compare_digest(self.mac, expected)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _checkpoint_mac(head: ChainHead, key: bytes) -> bytes:
    _check_key(key)
    tenant = head.tenant_id.encode("utf-8")
    message = (
        _CHECKPOINT_LABEL
        + len(tenant).to_bytes(4, "big")
        + tenant
        + head.seq.to_bytes(8, "big")
        + head.hash
    )
    return hmac.new(key, message, hashlib.sha256).digest()


class Problem(StrEnum):
    ALTERED = "altered"
    REMOVED = "removed"
    REORDERED = "reordered"
    FOREIGN = "foreign"
    CHECKPOINT_INVALID = "checkpoint_invalid"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """What :func:`verify_chain` found. ``seq`` names the first bad (or first missing) record."""

    tenant_id: str
    checked: int
    head: ChainHead
    problem: Problem | None = None
    seq: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        """One human line, for the CLI and for the ``audit.chain.*`` event."""
        if self.ok:
            return (
                f"tenant {self.tenant_id}: {self.checked} records intact, head seq {self.head.seq}"
            )
        return f"tenant {self.tenant_id}: record {self.seq} {self.problem}: {self.detail}"


class _Walker:
    """The verification state machine, shared by the sync and async drivers.

    Memory stays constant whatever the chain length: only the hashes at checkpointed
    sequence numbers are kept.
    """

    def __init__(self, tenant_id: str, key: bytes, checkpoints: Sequence[Checkpoint]) -> None:
        self.tenant_id = tenant_id
        self.key = key
        self.checkpoints = checkpoints
        self.head = ChainHead.start(tenant_id, key)
        self.checked = 0
        self._wanted = {cp.seq for cp in checkpoints}
        self._seen: dict[int, bytes] = {0: self.head.hash}
        self.misplaced: ChainRecord | None = None

    def fail(self, problem: Problem, seq: int, detail: str) -> ChainVerdict:
        return ChainVerdict(self.tenant_id, self.checked, self.head, problem, seq, detail)

    def step(self, rec: ChainRecord) -> ChainVerdict | None:
        """Check the next record; a verdict means stop. ``None`` with ``self.misplaced``
        set means the caller must look ahead (see :meth:`resolve`)."""
        head = self.head
        if rec.tenant_id != self.tenant_id:
            return self.fail(Problem.FOREIGN, rec.seq, f"belongs to tenant {rec.tenant_id!r}")
        if not rec.intact(self.key):
            return self.fail(Problem.ALTERED, rec.seq, "its hash does not match its content")
        if rec.seq <= head.seq:
            return self.fail(
                Problem.REORDERED, rec.seq, f"sequence repeats or goes back after {head.seq}"
            )
        if rec.seq > head.seq + 1:
            gap = f"{head.seq + 1}..{rec.seq - 1}" if rec.seq > head.seq + 2 else head.seq + 1
            return self.fail(Problem.REMOVED, head.seq + 1, f"records {gap} are missing")
        if not hmac.compare_digest(rec.prev_hash, head.hash):
            # Intact and numbered right, but linked to another predecessor: either it was
            # moved here from later on, or records before it were deleted and renumbered.
            self.misplaced = rec
            return None
        self.head = ChainHead.of(rec)
        self.checked += 1
        if rec.seq in self._wanted:
            self._seen[rec.seq] = rec.hash
        return None

    def resolve(self, found_later: bool) -> ChainVerdict:
        """The verdict for :attr:`misplaced`, given whether a later record is its predecessor."""
        if self.misplaced is None:
            raise RuntimeError("resolve() is only called after step() flagged a record")
        if found_later:
            return self.fail(
                Problem.REORDERED, self.misplaced.seq, "it was moved: it links to a later record"
            )
        return self.fail(
            Problem.REMOVED, self.misplaced.seq, "the record it links to is missing before it"
        )

    def links_to(self, later: ChainRecord) -> bool:
        return self.misplaced is not None and hmac.compare_digest(
            later.hash, self.misplaced.prev_hash
        )

    def finish(self) -> ChainVerdict:
        """After the last record: compare the chain with the signed checkpoints."""
        head = self.head
        for cp in sorted(self.checkpoints, key=lambda c: c.seq):
            if cp.tenant_id != self.tenant_id or not cp.valid(self.key):
                return self.fail(
                    Problem.CHECKPOINT_INVALID, cp.seq, "checkpoint signature is invalid"
                )
            if cp.seq > head.seq:
                return self.fail(
                    Problem.REMOVED,
                    head.seq + 1,
                    f"chain ends at {head.seq} but a checkpoint was signed at {cp.seq}",
                )
            if not hmac.compare_digest(self._seen[cp.seq], cp.hash):
                return self.fail(
                    Problem.CHECKPOINT_MISMATCH, cp.seq, "differs from the signed checkpoint"
                )
        return ChainVerdict(self.tenant_id, self.checked, head)


def verify_chain(
    records: Iterable[ChainRecord],
    key: bytes,
    *,
    tenant_id: str,
    checkpoints: Sequence[Checkpoint] = (),
) -> ChainVerdict:
    """Walk ``records`` in sequence order and name the first altered, removed or reordered one.

    ``tenant_id`` is required so a record of another tenant slipped into the chain is
    reported, not trusted. ``checkpoints`` catch a truncated or rewritten tail.
    """
    walker = _Walker(tenant_id, key, checkpoints)
    stream: Iterator[ChainRecord] = iter(records)
    for rec in stream:
        verdict = walker.step(rec)
        if verdict is not None:
            return verdict
        if walker.misplaced is not None:
            return walker.resolve(any(walker.links_to(later) for later in stream))
    return walker.finish()


async def averify_chain(
    records: AsyncIterable[ChainRecord],
    key: bytes,
    *,
    tenant_id: str,
    checkpoints: Sequence[Checkpoint] = (),
) -> ChainVerdict:
    """:func:`verify_chain` over an async stream (rows paged from the database)."""
    walker = _Walker(tenant_id, key, checkpoints)
    stream = aiter(records)
    async for rec in stream:
        verdict = walker.step(rec)
        if verdict is not None:
            return verdict
        if walker.misplaced is not None:
            found = False
            async for later in stream:
                if walker.links_to(later):
                    found = True
                    break
            return walker.resolve(found)
    return walker.finish()
