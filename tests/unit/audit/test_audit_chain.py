"""The per-tenant HMAC chain names the first altered, removed or reordered record (LG-03)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable

import pytest

from tier0.audit import (
    ChainHead,
    ChainRecord,
    Checkpoint,
    EventType,
    Problem,
    SecurityEvent,
    canonical_bytes,
    genesis,
    link,
    verify_chain,
)
from tier0.audit.chain import averify_chain

MakeEvent = Callable[..., SecurityEvent]
KEY = bytes(range(32))


def build_chain(make_event: MakeEvent, n: int, tenant: str = "acme") -> list[ChainRecord]:
    head = ChainHead.start(tenant, KEY)
    records = []
    for i in range(n):
        event = make_event(EventType.TOKEN_ISSUED, tenant_id=tenant, details={"n": i})
        record = head.extend(canonical_bytes(event), KEY)
        records.append(record)
        head = ChainHead.of(record)
    return records


def test_link_is_hmac_sha256_of_prev_and_event() -> None:
    prev = b"\x01" * 32
    expected = hmac.new(KEY, prev + b"{}", hashlib.sha256).digest()
    assert link(prev, b"{}", KEY) == expected


def test_link_refuses_short_keys_and_bad_prev() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        link(b"\x00" * 32, b"{}", b"short")
    with pytest.raises(ValueError, match="32-byte"):
        link(b"\x00" * 31, b"{}", KEY)


def test_genesis_differs_per_tenant_and_key() -> None:
    assert genesis("acme", KEY) != genesis("globex", KEY)
    assert genesis("acme", KEY) != genesis("acme", bytes(32))


def test_intact_chain_verifies(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 5)
    verdict = verify_chain(records, KEY, tenant_id="acme")
    assert verdict.ok
    assert verdict.checked == 5
    assert verdict.head == ChainHead.of(records[-1])
    assert "5 records intact" in verdict.describe()


def test_empty_chain_verifies() -> None:
    verdict = verify_chain([], KEY, tenant_id="acme")
    assert verdict.ok
    assert verdict.head == ChainHead.start("acme", KEY)


def test_lg03_edited_record_is_named(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 5)
    edited = records[2].event_bytes.replace(b'"n":2', b'"n":7')
    records[2] = dataclasses.replace(records[2], event_bytes=edited)
    verdict = verify_chain(records, KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.ALTERED, 3)
    assert verdict.checked == 2
    assert "record 3 altered" in verdict.describe()


def test_lg03_edited_hash_is_named(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 3)
    records[0] = dataclasses.replace(records[0], hash=bytes(32))
    verdict = verify_chain(records, KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.ALTERED, 1)


def test_lg03_deleted_record_is_named(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 5)
    del records[1]
    verdict = verify_chain(records, KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 2)


def test_lg03_deleted_and_renumbered_record_is_named(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 5)
    del records[1]
    records = [dataclasses.replace(r, seq=i + 1) for i, r in enumerate(records)]
    verdict = verify_chain(records, KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 2)


def test_lg03_swapped_records_are_named(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 5)
    # Swap rows 2 and 4 including their sequence numbers, as a DB edit would.
    second, fourth = records[1], records[3]
    records[1] = dataclasses.replace(fourth, seq=2)
    records[3] = dataclasses.replace(second, seq=4)
    verdict = verify_chain(records, KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REORDERED, 2)


def test_lg03_adjacent_swap_is_named(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 4)
    records[1], records[2] = (
        dataclasses.replace(records[2], seq=2),
        dataclasses.replace(records[1], seq=3),
    )
    verdict = verify_chain(records, KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REORDERED, 2)


def test_repeated_sequence_is_reordering(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 3)
    verdict = verify_chain([records[0], records[1], records[1]], KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REORDERED, 2)


def test_first_record_removed_is_named(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 3)
    verdict = verify_chain(records[1:], KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 1)


def test_wrong_key_fails_at_the_first_record(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 3)
    verdict = verify_chain(records, bytes(32), tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.ALTERED, 1)


def test_record_of_another_tenant_is_named(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 2)
    other = build_chain(make_event, 3, tenant="globex")
    verdict = verify_chain([*records, other[2]], KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.FOREIGN, 3)


def test_chain_of_one_tenant_does_not_verify_as_another(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 2, tenant="globex")
    relabelled = [dataclasses.replace(r, tenant_id="acme") for r in records]
    verdict = verify_chain(relabelled, KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 1)


def test_lg03_truncation_is_caught_by_a_checkpoint(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 5)
    checkpoint = Checkpoint.sign(ChainHead.of(records[-1]), KEY)
    assert verify_chain(records, KEY, tenant_id="acme", checkpoints=[checkpoint]).ok
    verdict = verify_chain(records[:3], KEY, tenant_id="acme", checkpoints=[checkpoint])
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 4)


def test_rewritten_chain_differs_from_checkpoint(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 3)
    checkpoint = Checkpoint.sign(ChainHead.of(records[1]), KEY)
    rebuilt = build_chain(make_event, 3)  # same key, different events: a full rewrite
    verdict = verify_chain(rebuilt, KEY, tenant_id="acme", checkpoints=[checkpoint])
    assert (verdict.problem, verdict.seq) == (Problem.CHECKPOINT_MISMATCH, 2)


def test_forged_checkpoint_is_refused(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 3)
    good = Checkpoint.sign(ChainHead.of(records[2]), KEY)
    forged = dataclasses.replace(good, seq=2)
    verdict = verify_chain(records, KEY, tenant_id="acme", checkpoints=[forged])
    assert (verdict.problem, verdict.seq) == (Problem.CHECKPOINT_INVALID, 2)
    other_tenant = Checkpoint.sign(ChainHead("globex", 3, records[2].hash), KEY)
    verdict = verify_chain(records, KEY, tenant_id="acme", checkpoints=[other_tenant])
    assert verdict.problem is Problem.CHECKPOINT_INVALID


def test_checkpoint_at_genesis_verifies_empty_chain() -> None:
    checkpoint = Checkpoint.sign(ChainHead.start("acme", KEY), KEY)
    assert verify_chain([], KEY, tenant_id="acme", checkpoints=[checkpoint]).ok
    with pytest.raises(ValueError, match="start at 0"):
        Checkpoint("acme", -1, bytes(32), bytes(32))


def test_checkpoint_repr_hides_the_mac(make_event: MakeEvent) -> None:
    checkpoint = Checkpoint.sign(ChainHead.start("acme", KEY), KEY)
    assert "mac" not in repr(checkpoint)


def test_verify_streams_a_generator(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 4)
    assert verify_chain((r for r in records), KEY, tenant_id="acme").ok


async def _aiter(records: list[ChainRecord]) -> AsyncIterator[ChainRecord]:
    for record in records:
        yield record


async def test_lg03_async_verify_names_the_same_records(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 5)
    assert (await averify_chain(_aiter(records), KEY, tenant_id="acme")).ok
    swapped = list(records)
    swapped[1], swapped[2] = (
        dataclasses.replace(records[2], seq=2),
        dataclasses.replace(records[1], seq=3),
    )
    verdict = await averify_chain(_aiter(swapped), KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REORDERED, 2)
    renumbered = [dataclasses.replace(r, seq=i + 1) for i, r in enumerate(records[1:])]
    verdict = await averify_chain(_aiter(renumbered), KEY, tenant_id="acme")
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 1)
    checkpoint = Checkpoint.sign(ChainHead.of(records[-1]), KEY)
    verdict = await averify_chain(
        _aiter(records[:4]), KEY, tenant_id="acme", checkpoints=[checkpoint]
    )
    assert (verdict.problem, verdict.seq) == (Problem.REMOVED, 5)


def test_checkpoint_text_round_trips(make_event: MakeEvent) -> None:
    records = build_chain(make_event, 2, tenant="tenant.with.dots")
    checkpoint = Checkpoint.sign(ChainHead.of(records[-1]), KEY)
    text = checkpoint.to_text()
    assert text.startswith("tier0-ckpt.v1.")
    assert Checkpoint.from_text(text) == checkpoint
    assert Checkpoint.from_text(text).valid(KEY)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tier0-ckpt.v1.a.1.b",
        "tier0-ckpt.v2.YQ.1.AA.AA",
        "tier0-ckpt.v1.YQ.x.AA.AA",
        "tier0-ckpt.v1.YQ.1.AA.AA",
        "tier0-ckpt.v1.%%.1.AA.AA",
    ],
)
def test_malformed_checkpoint_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a tier0 checkpoint"):
        Checkpoint.from_text(text)
