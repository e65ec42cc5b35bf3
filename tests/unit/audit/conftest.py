"""Shared fixtures for the audit tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from tier0.audit import Actor, EventContext, EventType, SecurityEvent, Subject
from tier0.clock import FrozenClock

MakeEvent = Callable[..., SecurityEvent]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def ctx(clock: FrozenClock) -> EventContext:
    return EventContext(
        clock,
        tenant_id="acme",
        ip="203.0.113.7",
        user_agent="Mozilla/5.0 (tests)",
        request_id="req_1",
    )


@pytest.fixture
def make_event(clock: FrozenClock) -> MakeEvent:
    """Build a login event for ``acme``; keyword arguments override the defaults."""

    def build(
        event_type: EventType = EventType.USER_LOGIN_SUCCEEDED,
        *,
        tenant_id: str = "acme",
        details: Mapping[str, object] | None = None,
    ) -> SecurityEvent:
        return SecurityEvent.create(
            event_type,
            clock=clock,
            tenant_id=tenant_id,
            actor=Actor.user("usr_1"),
            subject=Subject("user", "usr_1"),
            client_id="cli_1",
            ip="198.51.100.1",
            user_agent="ua",
            request_id="req_1",
            details=details,
        )

    return build
