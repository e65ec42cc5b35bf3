"""Canonical serialisation of a :class:`SecurityEvent`: the bytes the audit chain hashes.

Format (version 1), fixed so the same event always yields the same bytes:

- a JSON object with the event's fields plus ``"v": 1``; absent optional fields are
  ``null`` (never omitted, so two events differing only in one field differ in bytes);
- ``actor`` is ``{"kind", "id"}``, ``subject`` is ``{"kind", "id"}`` or ``null``;
- ``time`` is ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always UTC, always microseconds);
- keys sorted at every level, separators ``,`` and ``:`` with no whitespace, non-ASCII kept
  as UTF-8 (``ensure_ascii=False``), NaN/Infinity refused.

The same dictionary (:func:`event_to_dict`) is what sinks and log streams send, so what a
SIEM receives is exactly what the chain protects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from tier0.audit.event import Actor, ActorKind, Outcome, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.sanitize import JsonValue

FORMAT_VERSION: Final = 1
TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"


class CanonicalFormatError(ValueError):
    """Bytes are not a canonical version-1 event."""


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def _plain(value: JsonValue) -> Any:
    """Turn the immutable details structure back into plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def event_to_dict(event: SecurityEvent) -> dict[str, Any]:
    """The event as plain JSON-ready data (the wire and storage shape)."""
    subject = event.subject
    return {
        "v": FORMAT_VERSION,
        "id": event.id,
        "time": format_time(event.time),
        "tenant_id": event.tenant_id,
        "type": str(event.type),
        "outcome": str(event.outcome),
        "actor": {"kind": str(event.actor.kind), "id": event.actor.id},
        "subject": None if subject is None else {"kind": subject.kind, "id": subject.id},
        "client_id": event.client_id,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "details": _plain(event.details),
    }


def canonical_bytes(event: SecurityEvent) -> bytes:
    """The canonical UTF-8 JSON of ``event`` (see the module docstring for the rules)."""
    return dumps_canonical(event_to_dict(event))


def dumps_canonical(data: Mapping[str, Any]) -> bytes:
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def event_from_dict(data: Mapping[str, Any]) -> SecurityEvent:
    """Rebuild an event from :func:`event_to_dict` output; validates like the constructor."""
    try:
        if data["v"] != FORMAT_VERSION:
            raise CanonicalFormatError(f"unknown event format version {data['v']!r}")
        subject = data["subject"]
        return SecurityEvent(
            id=data["id"],
            time=parse_time(data["time"]),
            tenant_id=data["tenant_id"],
            type=EventType(data["type"]),
            outcome=Outcome(data["outcome"]),
            actor=Actor(ActorKind(data["actor"]["kind"]), data["actor"]["id"]),
            subject=None if subject is None else Subject(subject["kind"], subject["id"]),
            client_id=data["client_id"],
            ip=data["ip"],
            user_agent=data["user_agent"],
            request_id=data["request_id"],
            details=data["details"],
        )
    except (KeyError, TypeError) as exc:
        raise CanonicalFormatError("malformed event record") from exc


def event_from_bytes(raw: bytes) -> SecurityEvent:
    """Parse canonical bytes back into an event, refusing non-canonical input."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CanonicalFormatError("event record is not UTF-8 JSON") from exc
    if not isinstance(data, dict):
        raise CanonicalFormatError("event record is not a JSON object")
    event = event_from_dict(data)
    if canonical_bytes(event) != raw:
        raise CanonicalFormatError("event record is not in canonical form")
    return event
