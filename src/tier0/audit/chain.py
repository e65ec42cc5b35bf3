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

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

HASH_SIZE: Final = 32
MIN_KEY_SIZE: Final = 32
_GENESIS_LABEL: Final = b"tier0.audit.genesis.v1\x00"
_CHECKPOINT_LABEL: Final = b"tier0.audit.checkpoint.v1\x00"


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

    def valid(self, key: bytes) -> bool:
        expected = _checkpoint_mac(ChainHead(self.tenant_id, self.seq, self.hash), key)
        return hmac.compare_digest(self.mac, expected)


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


def verify_chain(
    records: Iterable[ChainRecord],
    key: bytes,
    *,
    tenant_id: str,
    checkpoints: Sequence[Checkpoint] = (),
) -> ChainVerdict:
    """Walk ``records`` in sequence order and name the first altered, removed or reordered one.

    Streams: memory stays constant whatever the chain length (only the hashes at
    checkpointed sequence numbers are kept). ``tenant_id`` is required so a record of
    another tenant slipped into the chain is reported, not trusted.
    """
    head = ChainHead.start(tenant_id, key)
    wanted = {cp.seq for cp in checkpoints}
    seen: dict[int, bytes] = {0: head.hash}
    checked = 0
    stream: Iterator[ChainRecord] = iter(records)

    def fail(problem: Problem, seq: int, detail: str) -> ChainVerdict:
        return ChainVerdict(tenant_id, checked, head, problem, seq, detail)

    for rec in stream:
        if rec.tenant_id != tenant_id:
            return fail(Problem.FOREIGN, rec.seq, f"belongs to tenant {rec.tenant_id!r}")
        if not rec.intact(key):
            return fail(Problem.ALTERED, rec.seq, "its hash does not match its content")
        if rec.seq <= head.seq:
            return fail(
                Problem.REORDERED, rec.seq, f"sequence repeats or goes back after {head.seq}"
            )
        if rec.seq > head.seq + 1:
            missing = f"{head.seq + 1}..{rec.seq - 1}" if rec.seq > head.seq + 2 else head.seq + 1
            return fail(Problem.REMOVED, head.seq + 1, f"records {missing} are missing")
        if not hmac.compare_digest(rec.prev_hash, head.hash):
            # Intact and numbered right, but linked to another predecessor: either it was
            # moved here from later on, or records before it were deleted and renumbered.
            if any(hmac.compare_digest(later.hash, rec.prev_hash) for later in stream):
                return fail(Problem.REORDERED, rec.seq, "it was moved: it links to a later record")
            return fail(Problem.REMOVED, rec.seq, "the record it links to is missing before it")
        head = ChainHead.of(rec)
        checked += 1
        if rec.seq in wanted:
            seen[rec.seq] = rec.hash
    return _check_checkpoints(ChainVerdict(tenant_id, checked, head), checkpoints, seen, key)


def _check_checkpoints(
    verdict: ChainVerdict,
    checkpoints: Sequence[Checkpoint],
    seen: dict[int, bytes],
    key: bytes,
) -> ChainVerdict:
    head = verdict.head
    for cp in sorted(checkpoints, key=lambda c: c.seq):
        problem: tuple[Problem, int, str] | None = None
        if cp.tenant_id != verdict.tenant_id or not cp.valid(key):
            problem = (Problem.CHECKPOINT_INVALID, cp.seq, "checkpoint signature is invalid")
        elif cp.seq > head.seq:
            problem = (
                Problem.REMOVED,
                head.seq + 1,
                f"chain ends at {head.seq} but a checkpoint was signed at {cp.seq}",
            )
        elif not hmac.compare_digest(seen[cp.seq], cp.hash):
            problem = (Problem.CHECKPOINT_MISMATCH, cp.seq, "differs from the signed checkpoint")
        if problem is not None:
            return ChainVerdict(verdict.tenant_id, verdict.checked, head, *problem)
    return verdict
