"""Every change made through the management API is audited (AC-05, LG-01).

The event names the application that made the change (actor), the object (subject) and which
fields the request set; never their values, so no secret, password or personal datum reaches
the log (LG-02).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from fastapi import Request

from tier0.audit import EventType
from tier0.audit.event import Actor, EventContext, Subject
from tier0.web.deps import container_of
from tier0.web.rate_limit import client_ip_of

if TYPE_CHECKING:  # auth imports the step-up check, which audits: no import cycle
    from tier0.management.auth import Principal


async def audited(
    request: Request,
    caller: Principal,
    event: EventType,
    subject: tuple[str, str],
    *,
    fields: Iterable[str] = (),
    details: Mapping[str, object] | None = None,
) -> None:
    """Record a management change after it committed."""
    container = container_of(request)
    request_id = getattr(request.state, "request_id", None)
    context = EventContext(
        container.clock,
        tenant_id=caller.tenant.id,
        ip=client_ip_of(request) or None,
        user_agent=request.headers.get("user-agent"),
        request_id=request_id if isinstance(request_id, str) else None,
        client_id=caller.client_id,
    )
    kind, subject_id = subject
    await container.audit.emit(
        context.event(
            event,
            actor=Actor.client(caller.client_id),
            subject=Subject.of(kind, subject_id),
            details={"fields": sorted(set(fields)), **(details or {})},
        )
    )
