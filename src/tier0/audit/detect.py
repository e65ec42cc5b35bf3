"""Built-in detection rules over the event flow, producing ``alert.*`` events.

The detector is a log stream of kind ``detect``: the relay feeds it every event of its
tenant in order, at least once, with the same cursor, lease and retry machinery as any
SIEM stream. Each rule looks at the new event and, where it needs a window, queries the
stored events; an alert is itself an event (``alert.*``, category
``system.notification``), so it reaches every log stream and can be filtered on.

Rules (thresholds per tenant, in the stream's settings as ``COUNT/SECONDS``):

- ``failed_login_burst``: COUNT failed sign-ins for one account within SECONDS (10/300);
- ``credential_stuffing``: failed sign-ins for COUNT different accounts from one IP within
  SECONDS (20/300), or a ``security.credential_stuffing_suspected`` event;
- ``refresh_token_reuse``: any reuse of a rotated refresh token;
- ``admin_new_ip``: an administrator acting from an IP not seen for them within the
  lookback (SECONDS, 30 days; COUNT unused). Administrators are ``admin`` actors and the
  applications that change a tenant through its management API (a ``management.*`` event,
  which carries the caller's IP);
- ``block_burst``: COUNT brute-force blocks or suspicious-IP throttles within SECONDS (5/600);
- ``audit_chain_broken``: a failed ``tier0 audit verify``.

An alert fires when a threshold is *reached* (the N-th event), not on every event after
it. A replay after a crash can repeat an alert; alerts name their trigger event (``details
.trigger_id``) so receivers can de-duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from tier0.audit.canonical import event_from_dict
from tier0.audit.event import Actor, ActorKind, SecurityEvent
from tier0.audit.events import Category, EventType
from tier0.audit.log import AuditLog
from tier0.audit.store import MAX_PAGE, EventQuery, LoggedEvent
from tier0.clock import Clock

E = EventType
LOGIN_FAILURES: Final = (
    E.USER_LOGIN_FAILED,
    E.USER_LOGIN_PASSWORD_INCORRECT,
    E.USER_LOGIN_USER_UNKNOWN,
)
BLOCKS: Final = (E.BRUTE_FORCE_BLOCKED, E.SUSPICIOUS_IP_THROTTLED)
ADMIN_CHANGES: Final = tuple(t for t in E if t.category is Category.MANAGEMENT_SUCCESS)
_LIMIT_RE: Final = re.compile(r"(\d{1,6})/(\d{1,8})")
_STREAM_EXTRAS: Final = ("seq", "category", "auth0_type")


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    window: timedelta

    @classmethod
    def parse(cls, text: str) -> Limit:
        match = _LIMIT_RE.fullmatch(text)
        if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
            raise ValueError("a detection threshold is COUNT/SECONDS, both positive")
        return cls(int(match.group(1)), timedelta(seconds=int(match.group(2))))

    def text(self) -> str:
        return f"{self.count}/{int(self.window.total_seconds())}"


@dataclass(frozen=True, slots=True)
class Thresholds:
    failed_login_burst: Limit = field(default_factory=lambda: Limit(10, timedelta(minutes=5)))
    credential_stuffing: Limit = field(default_factory=lambda: Limit(20, timedelta(minutes=5)))
    admin_new_ip: Limit = field(default_factory=lambda: Limit(1, timedelta(days=30)))
    block_burst: Limit = field(default_factory=lambda: Limit(5, timedelta(minutes=10)))

    @classmethod
    def from_config(cls, config: Mapping[str, str]) -> Thresholds:
        """Thresholds from a stream's settings; unknown rule names are refused."""
        names = set(cls.__dataclass_fields__)
        given = {k: v for k, v in config.items() if k in names}
        unknown = {k for k in config if k not in names}
        if unknown:
            raise ValueError(f"unknown detection rule(s): {', '.join(sorted(unknown))}")
        return cls(**{k: Limit.parse(v) for k, v in given.items()})

    def as_config(self) -> dict[str, str]:
        return {name: getattr(self, name).text() for name in self.__dataclass_fields__}


def _by_admin(event: SecurityEvent) -> bool:
    """An administrator's action: an ``admin`` actor, or a management-API caller (the
    application holding a management token) making a change."""
    if event.actor.kind is ActorKind.ADMIN:
        return True
    return (
        event.actor.kind is ActorKind.CLIENT and event.type.category is Category.MANAGEMENT_SUCCESS
    )


def _logged(record: Mapping[str, Any]) -> LoggedEvent:
    event = event_from_dict({k: v for k, v in record.items() if k not in _STREAM_EXTRAS})
    return LoggedEvent(int(record["seq"]), event)


def _account(item: LoggedEvent) -> str:
    """The account a failed sign-in aimed at; an unknown identifier counts as its own."""
    subject = item.event.subject
    return f"user:{subject.id}" if subject else f"unknown:{item.event.id}"


class Detector:
    """Runs the rules on one tenant's events; a :class:`~tier0.audit.streams.Sender`."""

    def __init__(
        self, tenant_id: str, audit: AuditLog, clock: Clock, thresholds: Thresholds
    ) -> None:
        self._tenant = tenant_id
        self._audit = audit
        self._clock = clock
        self._limits = thresholds

    async def send(self, records: Sequence[Mapping[str, Any]]) -> None:
        for record in records:
            for alert in await self.evaluate(_logged(record)):
                await self._audit.emit(alert)

    async def evaluate(self, item: LoggedEvent) -> list[SecurityEvent]:
        """The alerts ``item`` raises (usually none)."""
        event = item.event
        if event.type.startswith("alert."):
            return []
        found: list[tuple[EventType, dict[str, object]]] = []
        if event.type is E.REFRESH_TOKEN_REUSED:
            found.append((E.ALERT_REFRESH_TOKEN_REUSE, {}))
        if event.type is E.AUDIT_CHAIN_VERIFICATION_FAILED:
            found.append((E.ALERT_AUDIT_CHAIN_BROKEN, {"seq": event.details.get("seq")}))
        if event.type is E.SECURITY_CREDENTIAL_STUFFING_SUSPECTED:
            found.append((E.ALERT_CREDENTIAL_STUFFING, {"source": "protection"}))
        if event.type in LOGIN_FAILURES:
            found.extend(await self._login_failures(item))
        if event.type in BLOCKS:
            found.extend(await self._blocks(item))
        if _by_admin(event) and event.ip:
            found.extend(await self._admin_ip(item))
        return [self._alert(alert_type, item, details) for alert_type, details in found]

    def _alert(
        self, alert_type: EventType, item: LoggedEvent, details: Mapping[str, object]
    ) -> SecurityEvent:
        trigger = item.event
        return SecurityEvent.create(
            alert_type,
            clock=self._clock,
            tenant_id=self._tenant,
            actor=Actor.system("detector"),
            subject=trigger.subject,
            client_id=trigger.client_id,
            ip=trigger.ip,
            details={"trigger_id": trigger.id, "trigger_seq": item.seq, **details},
        )

    async def _window(
        self, item: LoggedEvent, types: Sequence[EventType], within: timedelta, **extra: Any
    ) -> list[LoggedEvent]:
        """Events of ``types`` up to and including ``item`` in the window before it."""
        query = EventQuery(
            tenant_id=self._tenant,
            types=types,
            since=item.event.time - within,
            limit=MAX_PAGE,
            newest_first=True,
            **extra,
        )
        return [found for found in await self._audit.search(query) if found.seq <= item.seq]

    async def _login_failures(self, item: LoggedEvent) -> list[tuple[EventType, dict[str, object]]]:
        alerts: list[tuple[EventType, dict[str, object]]] = []
        subject = item.event.subject
        burst = self._limits.failed_login_burst
        if subject is not None and subject.kind == "user":
            recent = await self._window(item, LOGIN_FAILURES, burst.window, user_id=subject.id)
            if len(recent) == burst.count:
                alerts.append((E.ALERT_FAILED_LOGIN_BURST, {"count": burst.count}))
        stuffing = self._limits.credential_stuffing
        if item.event.ip:
            recent = await self._window(item, LOGIN_FAILURES, stuffing.window)
            same_ip = [f for f in recent if f.event.ip == item.event.ip]
            accounts = {_account(f) for f in same_ip}
            before = {_account(f) for f in same_ip[1:]}
            if len(accounts) >= stuffing.count > len(before):
                alerts.append((E.ALERT_CREDENTIAL_STUFFING, {"accounts": len(accounts)}))
        return alerts

    async def _blocks(self, item: LoggedEvent) -> list[tuple[EventType, dict[str, object]]]:
        limit = self._limits.block_burst
        if len(await self._window(item, BLOCKS, limit.window)) == limit.count:
            return [(E.ALERT_BLOCK_BURST, {"count": limit.count})]
        return []

    async def _admin_ip(self, item: LoggedEvent) -> list[tuple[EventType, dict[str, object]]]:
        actor = item.event.actor
        # Searching by user id matches user and admin actors; a management client is found
        # among the management events instead.
        scope: dict[str, Any] = (
            {"user_id": actor.id} if actor.kind is ActorKind.ADMIN else {"types": ADMIN_CHANGES}
        )
        query = EventQuery(
            tenant_id=self._tenant,
            since=item.event.time - self._limits.admin_new_ip.window,
            limit=MAX_PAGE,
            newest_first=True,
            **scope,
        )
        earlier = [
            found
            for found in await self._audit.search(query)
            if found.seq < item.seq and _by_admin(found.event) and found.event.actor == actor
        ]
        if earlier and all(found.event.ip != item.event.ip for found in earlier):
            return [(E.ALERT_ADMIN_NEW_IP, {"admin_id": actor.id})]
        return []
