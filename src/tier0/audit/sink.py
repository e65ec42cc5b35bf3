"""Where security events go: the :class:`EventSink` port and two simple sinks.

Every component that emits events takes an ``EventSink`` and never names an
implementation. The durable sink (the ``events`` table, written in the same transaction as
the change) lives with storage; the ones here are for tests, development and plain logs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol, TextIO

import structlog

from tier0.audit.canonical import event_to_dict
from tier0.audit.event import SecurityEvent
from tier0.audit.events import EventType


class EventSink(Protocol):
    """Accepts security events. ``emit`` must not raise for a well-formed event."""

    async def emit(self, event: SecurityEvent) -> None: ...


class RecordingSink:
    """Keeps every event in memory, in order (tests and ephemeral dev)."""

    def __init__(self) -> None:
        self.events: list[SecurityEvent] = []

    async def emit(self, event: SecurityEvent) -> None:
        self.events.append(event)

    def types(self) -> list[EventType]:
        """The types emitted so far, in order: handy for ``assert sink.types() == [...]``."""
        return [event.type for event in self.events]

    def of_type(self, event_type: EventType) -> list[SecurityEvent]:
        return [event for event in self.events if event.type is event_type]

    def clear(self) -> None:
        self.events.clear()


class LogSink:
    """Writes each event as one JSON line through structlog.

    The line is rendered with ``ensure_ascii`` on and every field already escaped
    (LG-02), so an event is always exactly one line, whatever a user typed.
    """

    def __init__(self, stream: TextIO) -> None:
        self._logger: structlog.typing.FilteringBoundLogger = structlog.wrap_logger(
            structlog.WriteLogger(stream),
            processors=[structlog.processors.JSONRenderer(sort_keys=True)],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        )

    async def emit(self, event: SecurityEvent) -> None:
        await self._logger.ainfo("security_event", **event_to_dict(event))


class FanoutSink:
    """Emits every event to several sinks, in the order given."""

    def __init__(self, sinks: Iterable[EventSink]) -> None:
        self._sinks = tuple(sinks)

    async def emit(self, event: SecurityEvent) -> None:
        for sink in self._sinks:
            await sink.emit(event)
