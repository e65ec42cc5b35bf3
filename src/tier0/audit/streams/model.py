"""What a log stream is, and the record shape every stream sends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tier0.audit.canonical import event_to_dict
from tier0.audit.events import Category
from tier0.audit.store import LoggedEvent


class StreamKind(StrEnum):
    WEBHOOK = "webhook"
    SYSLOG = "syslog"
    JSONL = "jsonl"
    SPLUNK = "splunk"  # Splunk HTTP Event Collector
    DATADOG = "datadog"  # Datadog logs intake
    EMAIL = "email"  # mails alert.* events (tier0.audit.streams.email)
    DETECT = "detect"  # the built-in detection rules (tier0.audit.detect)


class StreamStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DEAD = "dead"  # dead-lettered after too many failed attempts; `replay` revives it


@dataclass(frozen=True, slots=True)
class LogStream:
    """A configured destination. ``config`` holds no secret; the secret is sealed apart."""

    id: str
    tenant_id: str
    name: str
    kind: StreamKind
    config: Mapping[str, str]
    categories: Sequence[Category] = ()
    status: StreamStatus = StreamStatus.ACTIVE
    cursor: int = 0
    failures: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime | None = field(default=None, compare=False)

    def wants(self, item: LoggedEvent) -> bool:
        """Does this stream's category filter let the event through (empty = everything)?"""
        return not self.categories or item.event.type.category in self.categories


def stream_record(item: LoggedEvent) -> dict[str, Any]:
    """One event as streams send it: the canonical fields plus ``seq``, ``category`` and
    Auth0's log ``type`` code where one exists (so Auth0-shaped SIEM rules keep working)."""
    event_type = item.event.type
    return {
        **event_to_dict(item.event),
        "seq": item.seq,
        "category": str(event_type.category),
        "auth0_type": event_type.auth0_code,
    }
