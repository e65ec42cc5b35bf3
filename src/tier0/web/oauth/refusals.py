"""The security event of a client refused by the client-secret guess throttle (BF-04).

Every throttle is a security event (issue #5, LG-01). A refused client secret is recorded as
``suspicious_ip.throttled`` (Auth0 ``limit_mu``), the vocabulary's name for "a source was
throttled after failures": Auth0 logs its own failure throttle at the token endpoint (the
``pre-custom-token-exchange`` stage of suspicious-IP throttling) with that code, and the
detection rules count it among blocks (``alert.block_burst``). ``details.stage`` is
``client_secret``, so a rule can tell it from the sign-in and sign-up stages.

One event per refusal window, not per refused request: a guessing client at its wait would
otherwise turn each refused request into an audit-log write. The window is keyed by what
refused: the IP when its bucket of failures is empty (one source guessing across clients,
perhaps made-up ones, is one event, not one per client id), else the client (guesses from
many addresses at one client are one event, not one per address). It lasts the refusal's
``Retry-After``, and at least :data:`REPORT_WINDOW_S`: the IP bucket regains a try every two
seconds, and a report per regained try would still be a write every two seconds.
"""

from __future__ import annotations

import structlog
from starlette.requests import Request

from tier0.audit.event import Actor, SecurityEvent
from tier0.audit.events import EventType
from tier0.container import Container
from tier0.protection.guessing import SecretKind
from tier0.protection.networks import normalise_ip
from tier0.protocol.client_auth import ClientThrottled
from tier0.web.deps import container_of

__all__ = ["REPORT_WINDOW_S", "report_client_throttled"]

log = structlog.get_logger("tier0.oauth")

#: The shortest reporting window, in seconds.
REPORT_WINDOW_S = 60
_STAGE = SecretKind.CLIENT_SECRET.value


def _report_key(container: Container, throttled: ClientThrottled) -> str:
    """The dedup counter's key: readable tenant and IP, a keyed hash of the client id."""
    prefix = f"guess:reported:{_STAGE}:{throttled.tenant_id}"
    hasher = container.protection.key_hasher
    if throttled.by_ip or hasher is None:
        return f"{prefix}:ip:{normalise_ip(throttled.ip)}"
    return f"{prefix}:client:{hasher.identifier(throttled.tenant_id, throttled.client_id)}"


async def report_client_throttled(request: Request, throttled: ClientThrottled) -> None:
    """Write ``suspicious_ip.throttled`` for the first refusal of its window. Never raises:
    a failed report is logged, and the refusal is still answered with its 429."""
    try:
        container = container_of(request)
        window = max(throttled.retry_after, REPORT_WINDOW_S)
        key = _report_key(container, throttled)
        if await container.protection.counters.incr(key, window_s=window) != 1:
            return
        request_id = getattr(request.state, "request_id", None)
        event = SecurityEvent.create(
            EventType.SUSPICIOUS_IP_THROTTLED,
            clock=container.clock,
            tenant_id=throttled.tenant_id,
            actor=Actor.client(throttled.client_id)
            if throttled.client_id
            else Actor.system("guess_throttle"),
            client_id=throttled.client_id,
            ip=throttled.ip,
            user_agent=request.headers.get("user-agent"),
            request_id=request_id if isinstance(request_id, str) else None,
            details={
                "stage": _STAGE,
                "by": "ip" if throttled.by_ip else "client",
                "endpoint": request.url.path.rsplit("/", 1)[-1],
                "retry_after": throttled.retry_after,
            },
        )
        await container.audit.emit(event)
    except Exception as exc:  # noqa: BLE001 - reporting must never turn a 429 into a 500
        log.error("client_throttle_event_failed", error_type=type(exc).__name__)
