"""Sinks: recording for tests, one JSON line per event for logs (LG-01, LG-02)."""

from __future__ import annotations

import io
import json

from prometheus_client import CollectorRegistry, generate_latest

from tier0.audit import (
    Actor,
    EventContext,
    EventSink,
    EventType,
    FanoutSink,
    LogSink,
    RecordingSink,
    Subject,
    event_to_dict,
)
from tier0.audit.metrics import MetricsSink


async def test_recording_sink_keeps_events_in_order(ctx: EventContext) -> None:
    sink = RecordingSink()
    first = ctx.event(EventType.USER_LOGIN_FAILED, actor=Actor.anonymous())
    second = ctx.event(EventType.BRUTE_FORCE_BLOCKED, actor=Actor.system("protection"))
    await sink.emit(first)
    await sink.emit(second)
    assert sink.types() == [EventType.USER_LOGIN_FAILED, EventType.BRUTE_FORCE_BLOCKED]
    assert sink.of_type(EventType.BRUTE_FORCE_BLOCKED) == [second]
    sink.clear()
    assert sink.events == []


async def test_lg01_log_sink_writes_one_json_line_per_event(ctx: EventContext) -> None:
    stream = io.StringIO()
    sink: EventSink = LogSink(stream)
    event = ctx.event(EventType.REFRESH_TOKEN_REUSED, actor=Actor.client("cli_1"))
    await sink.emit(event)
    await sink.emit(event)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert record["event"] == "security_event"
    assert {k: v for k, v in record.items() if k != "event"} == event_to_dict(event)


async def test_lg02_username_with_newline_yields_one_record(ctx: EventContext) -> None:
    stream = io.StringIO()
    sink = LogSink(stream)
    event = ctx.event(
        EventType.USER_LOGIN_USER_UNKNOWN,
        actor=Actor.anonymous(),
        subject=Subject.of("login_attempt", "a\nFAKE"),
        details={"reason": 'x\r\n{"type":"user.login.succeeded"}\u2028y'},
    )
    await sink.emit(event)
    output = stream.getvalue()
    assert output.count("\n") == 1
    assert len(output.splitlines()) == 1
    assert "\u2028" not in output
    assert json.loads(output)["subject"]["id"] == "a\\nFAKE"


async def test_fanout_sink_emits_to_each(ctx: EventContext) -> None:
    a, b = RecordingSink(), RecordingSink()
    event = ctx.event(EventType.KEY_ROTATED, actor=Actor.system(), details={"kind": "signing"})
    await FanoutSink([a, b]).emit(event)
    assert a.events == b.events == [event]


async def test_lg01_metrics_sink_counts_by_type(ctx: EventContext) -> None:
    registry = CollectorRegistry()
    sink: EventSink = MetricsSink(registry)
    for _ in range(2):
        await sink.emit(ctx.event(EventType.REFRESH_TOKEN_REUSED, actor=Actor.client("cli_1")))
    await sink.emit(ctx.event(EventType.USER_LOGIN_SUCCEEDED, actor=Actor.user("usr_1")))
    labels = {"type": "refresh_token.reused", "outcome": "failure"}
    assert registry.get_sample_value("security_events_total", labels) == 2.0
    ok = {"type": "user.login.succeeded", "outcome": "success"}
    assert registry.get_sample_value("security_events_total", ok) == 1.0
    exposition = generate_latest(registry).decode()
    assert "usr_1" not in exposition
    assert "203.0.113.7" not in exposition
