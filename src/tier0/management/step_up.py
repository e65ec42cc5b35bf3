"""Step-up for privileged management operations (AC-05).

SECURITY-REQUIREMENTS AC-05: "Privileged actions (role grant, key export, tenant delete,
bulk export) need recent step-up and are always audited." A management caller is an
application, so its "re-authentication" is authenticating at the token endpoint again: a
privileged operation accepts only a token whose ``iat`` is at most
``management_step_up_max_age`` seconds old. A stale token is refused with 403
``step_up_required`` and the RFC 9470 challenge, and the refusal is audited, committed
before the 403 is answered (the accepted change is audited by the operation itself, in its
transaction, as every change is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from tier0.audit import EventType
from tier0.clock import epoch
from tier0.management.audit import refusal
from tier0.management.errors import StepUpRequired
from tier0.web.deps import container_of

if TYPE_CHECKING:
    from tier0.management.auth import Principal


async def require_recent(request: Request, caller: Principal) -> None:
    """Raise :class:`StepUpRequired` (after auditing it) unless the caller's token is
    fresh enough for a privileged operation."""
    container = container_of(request)
    max_age = container.settings.management_step_up_max_age
    age = epoch(container.clock.now()) - caller.issued_at
    if age <= max_age:
        return
    route = request.scope.get("route")
    await refusal(
        request,
        caller,
        EventType.MANAGEMENT_STEP_UP_REQUIRED,
        ("client", caller.client_id),
        details={
            "method": request.method,
            "operation": str(getattr(route, "path", request.url.path)),
            "issued_seconds_ago": age,
            "max_age": max_age,
        },
    )
    raise StepUpRequired(max_age)
