"""Canonical serialisation: stable, parseable, and injective on every field (LG-03)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tier0.audit import Actor, ActorKind, EventType, SecurityEvent, Subject
from tier0.audit.canonical import (
    CanonicalFormatError,
    canonical_bytes,
    event_from_bytes,
    event_to_dict,
)
from tier0.audit.event import Outcome, new_event_id
from tier0.audit.sanitize import clean_text

text = st.text(max_size=40).map(lambda s: clean_text(s, limit=200))
ident = st.text(min_size=1, max_size=20).map(lambda s: clean_text(s, limit=200))
times = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001  # hypothesis wants naive bounds
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
keys = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True).filter(
    lambda k: k not in {"code", "pin", "otp", "seed", "token", "secret", "email", "mail"}
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
details = st.dictionaries(
    keys,
    scalars | st.lists(scalars, max_size=3).map(tuple) | st.dictionaries(keys, scalars, max_size=3),
    max_size=5,
)


@st.composite
def events(draw: st.DrawFn) -> SecurityEvent:
    event_type = draw(st.sampled_from(list(EventType)))
    kind = draw(st.sampled_from(list(ActorKind)))
    actor_id = draw(ident) if kind is not ActorKind.SYSTEM else draw(st.none() | ident)
    subject = draw(st.none() | st.builds(Subject, st.sampled_from(["user", "client"]), ident))
    return SecurityEvent(
        id=new_event_id(),
        time=draw(times),
        tenant_id=draw(ident),
        type=event_type,
        outcome=Outcome.of(event_type),
        actor=Actor(kind, actor_id),
        subject=subject,
        client_id=draw(st.none() | ident),
        ip=draw(st.none() | st.ip_addresses().map(str)),
        user_agent=draw(st.none() | text),
        request_id=draw(st.none() | ident),
        details=draw(details),
    )


@settings(deadline=None)
@given(events())
def test_lg03_canonical_bytes_are_stable_and_round_trip(event: SecurityEvent) -> None:
    raw = canonical_bytes(event)
    assert raw == canonical_bytes(event)
    again = event_from_bytes(raw)
    assert again == event
    assert canonical_bytes(again) == raw


@settings(deadline=None)
@given(events())
def test_canonical_bytes_are_sorted_compact_utf8(event: SecurityEvent) -> None:
    raw = canonical_bytes(event)
    data = json.loads(raw)
    assert list(data) == sorted(data)
    expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert raw == expected.encode("utf-8")
    assert b"\n" not in raw


_CHANGES: dict[str, Any] = {
    "id": lambda e: new_event_id(),
    "time": lambda e: e.time + timedelta(microseconds=1),
    "tenant_id": lambda e: e.tenant_id + "x",
    "actor": lambda e: Actor(ActorKind.ADMIN, "adm_other"),
    "subject": lambda e: Subject("client", "other"),
    "client_id": lambda e: (e.client_id or "") + "x",
    "ip": lambda e: "192.0.2.250" if e.ip != "192.0.2.250" else "192.0.2.251",
    "user_agent": lambda e: (e.user_agent or "") + "x",
    "request_id": lambda e: (e.request_id or "") + "x",
    "details": lambda e: {**e.details, "zz_changed": True},
}


@settings(deadline=None)
@given(events(), st.sampled_from(sorted(_CHANGES)))
def test_lg03_any_field_change_changes_the_bytes(event: SecurityEvent, field: str) -> None:
    changed = dataclasses.replace(event, **{field: _CHANGES[field](event)})
    assert changed != event
    assert canonical_bytes(changed) != canonical_bytes(event)


@settings(deadline=None)
@given(events(), events())
def test_lg03_distinct_events_have_distinct_bytes(a: SecurityEvent, b: SecurityEvent) -> None:
    assert (a == b) == (canonical_bytes(a) == canonical_bytes(b))


def test_time_format_is_fixed_microseconds_z() -> None:
    event = dataclasses.replace(_sample(), time=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert event_to_dict(event)["time"] == "2026-03-04T05:06:07.000000Z"


def test_absent_fields_are_null_not_omitted() -> None:
    data = event_to_dict(_sample())
    assert data["subject"] is None
    assert "client_id" in data
    assert data["v"] == 1


@pytest.mark.parametrize(
    "raw",
    [b"\xff", b"[]", b'{"v":2}', b'{"v":1}', b' {"v":1}'],
)
def test_malformed_records_are_refused(raw: bytes) -> None:
    with pytest.raises(CanonicalFormatError):
        event_from_bytes(raw)


def test_non_canonical_spelling_is_refused() -> None:
    raw = canonical_bytes(_sample())
    spaced = json.dumps(json.loads(raw), indent=1).encode()
    with pytest.raises(CanonicalFormatError, match="canonical"):
        event_from_bytes(spaced)


def _sample() -> SecurityEvent:
    return SecurityEvent(
        id=new_event_id(),
        time=datetime(2026, 1, 1, tzinfo=UTC),
        tenant_id="acme",
        type=EventType.KEY_ROTATED,
        outcome=Outcome.SUCCESS,
        actor=Actor.system(),
    )
