"""Security events: vocabulary, event records, canonical form, hash chain, sinks.

Emit events like this::

    ctx = EventContext(clock, tenant_id=tenant, ip=ip, user_agent=ua, request_id=rid)
    await sink.emit(ctx.event(EventType.USER_LOGIN_FAILED, actor=Actor.anonymous(),
                              details={"reason": "blocked", "identifier_hash": digest}))
"""

from tier0.audit.canonical import canonical_bytes, event_from_bytes, event_to_dict
from tier0.audit.chain import (
    ChainHead,
    ChainRecord,
    ChainVerdict,
    Checkpoint,
    Problem,
    genesis,
    link,
    verify_chain,
)
from tier0.audit.event import Actor, ActorKind, EventContext, Outcome, SecurityEvent, Subject
from tier0.audit.events import EVENT_TABLE, Category, EventInfo, EventType
from tier0.audit.metrics import MetricsSink
from tier0.audit.sanitize import UnsafeEventDetail
from tier0.audit.sink import EventSink, FanoutSink, LogSink, RecordingSink

__all__ = [
    "EVENT_TABLE",
    "Actor",
    "ActorKind",
    "Category",
    "ChainHead",
    "ChainRecord",
    "ChainVerdict",
    "Checkpoint",
    "EventContext",
    "EventInfo",
    "EventSink",
    "EventType",
    "FanoutSink",
    "LogSink",
    "MetricsSink",
    "Outcome",
    "Problem",
    "RecordingSink",
    "SecurityEvent",
    "Subject",
    "UnsafeEventDetail",
    "canonical_bytes",
    "event_from_bytes",
    "event_to_dict",
    "genesis",
    "link",
    "verify_chain",
]
