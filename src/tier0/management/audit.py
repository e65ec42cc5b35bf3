"""Every change made through the management API is audited (AC-05, LG-01).

Database changes pass :func:`changed_by` to the service, which writes the event in the
transaction of the change (the outbox: a committed change always has its event, and a
failed one never does). The event names the application that made the change (actor), the
object (subject) and each changed field with its old and new value, secrets and personal
data only as ``"[redacted]"`` (LG-02). Changes in the counter store (lifting a block) are
audited by their service too, write-ahead (tier0.services.protection_blocks).
:func:`refusal` is for a request refused with no state change (a stale token for a
privileged operation): its event is committed before the refusal is answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from fastapi import Request

from tier0.audit import EventType
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Subject
from tier0.web.deps import container_of
from tier0.web.rate_limit import client_ip_of

if TYPE_CHECKING:  # auth imports the step-up check, which audits: no import cycle
    from tier0.management.auth import Principal


def changed_by(request: Request, caller: Principal) -> ChangedBy:
    """The caller of this request as the author of a change: its client id and request facts."""
    request_id = getattr(request.state, "request_id", None)
    return ChangedBy.management(
        caller.client_id,
        ip=client_ip_of(request) or None,
        user_agent=request.headers.get("user-agent"),
        request_id=request_id if isinstance(request_id, str) else None,
    )


async def refusal(
    request: Request,
    caller: Principal,
    event: EventType,
    subject: tuple[str, str],
    *,
    details: Mapping[str, object] | None = None,
) -> None:
    """Commit the event of a refused request before the refusal is answered.

    ``AuditLog.emit`` returns once the event's own transaction has committed and raises if
    it cannot; the error then answers 500 instead of the refusal, so the caller is refused
    either way and no refusal is ever answered without its event (fail closed)."""
    container = container_of(request)
    by = changed_by(request, caller)
    kind, subject_id = subject
    await container.audit.emit(
        by.event(
            container.clock,
            event,
            tenant_id=caller.tenant.id,
            subject=Subject.of(kind, subject_id),
            details={"via": by.via, **(details or {})},
        )
    )
