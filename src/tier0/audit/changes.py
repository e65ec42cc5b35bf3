"""Audited changes: who made a change, what it changed, and its event in the same transaction.

Every service method that changes configuration or a user takes ``by=`` (a
:class:`ChangedBy`: the management client with its request facts, the CLI operator, or a
named part of tier0 itself) and writes its ``management.*`` event through a
:class:`ChangeLog` inside the transaction that makes the change. That is the transactional
outbox of issue #6: a committed change always has its event, and a change that rolls back
(or an event that cannot be written) leaves neither.

The event names the changed fields with their values before and after (:func:`diff`).
Secrets (client secrets, password hashes, private keys, stream credentials) and personal
data (emails, names, metadata) appear only as ``"[redacted]"``, so the log says *that* they
changed, never *to what* (LG-02; docs/privacy.md: events never hold an email or a name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import EventUnit
from tier0.clock import Clock

REDACTED: Final = "[redacted]"
"""Stands in for a secret or personal value in ``details.changes``."""

FieldValue = str | int | float | bool | None | tuple[str, ...]
"""What a change record holds per field: scalars and lists of strings (no nesting)."""


@dataclass(frozen=True, slots=True)
class ChangedBy:
    """Who makes a change and through which door (``via``), with the request's facts."""

    actor: Actor
    via: str
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    client_id: str | None = None

    @classmethod
    def management(
        cls,
        client_id: str,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
        request_id: str | None = None,
    ) -> ChangedBy:
        """A management-API caller: the application that holds the management token."""
        return cls(
            Actor.client(client_id),
            "management_api",
            ip=ip,
            user_agent=user_agent,
            request_id=request_id,
            client_id=client_id,
        )

    @classmethod
    def cli(cls, via: str = "cli") -> ChangedBy:
        """An operator at the command line (``via="apply"`` for `tier0 apply`)."""
        return cls(Actor.system("cli"), via)

    @classmethod
    def system(cls, component: str) -> ChangedBy:
        """tier0 itself: a scheduled rotation, lazy key creation, bootstrap."""
        return cls(Actor.system(component), "system")

    def event(
        self,
        clock: Clock,
        event_type: EventType,
        *,
        tenant_id: str,
        subject: Subject | None,
        details: Mapping[str, object] | None = None,
    ) -> SecurityEvent:
        """An event with this author's actor and request facts."""
        return SecurityEvent.create(
            event_type,
            clock=clock,
            tenant_id=tenant_id,
            actor=self.actor,
            subject=subject,
            client_id=self.client_id,
            ip=self.ip,
            user_agent=self.user_agent,
            request_id=self.request_id,
            details=details,
        )


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's value before and after; ``None`` on one side for creation/deletion."""

    field: str
    before: FieldValue
    after: FieldValue

    def as_detail(self) -> dict[str, object]:
        return {"field": self.field, "from": self.before, "to": self.after}


def diff(
    before: Mapping[str, FieldValue] | None,
    after: Mapping[str, FieldValue] | None,
    *,
    hidden: Iterable[str] = (),
) -> tuple[FieldChange, ...]:
    """The fields whose value differs, in name order. ``before=None`` is a creation,
    ``after=None`` a deletion. A field in ``hidden`` (a secret or personal datum) is
    compared in clear here but recorded as :data:`REDACTED` on each side that has a value.
    """
    old = before or {}
    new = after or {}
    secret = frozenset(hidden)
    changes: list[FieldChange] = []
    for name in sorted({*old, *new}):
        was, now = old.get(name), new.get(name)
        if was == now:
            continue
        if name in secret:
            was = REDACTED if was not in (None, "", ()) else was
            now = REDACTED if now not in (None, "", ()) else now
        changes.append(FieldChange(name, was, now))
    return tuple(changes)


def change_details(
    by: ChangedBy, changes: Sequence[FieldChange], details: Mapping[str, object] | None = None
) -> dict[str, object]:
    """The ``details`` of a change event: ``via``, the changed field names, the changes."""
    return {
        "via": by.via,
        "fields": [c.field for c in changes],
        "changes": [c.as_detail() for c in changes],
        **(details or {}),
    }


class EventRecorder(Protocol):
    """Appends an event inside the caller's transaction (:meth:`AuditLog.record`)."""

    async def record(self, uow: EventUnit, event: SecurityEvent) -> object: ...


class ChangeLog:
    """Writes the event of a change inside the change's own transaction."""

    def __init__(self, recorder: EventRecorder, clock: Clock) -> None:
        self._recorder = recorder
        self._clock = clock

    async def record(
        self,
        uow: EventUnit,
        by: ChangedBy,
        event_type: EventType,
        *,
        tenant_id: str,
        subject: tuple[str, str],
        changes: Sequence[FieldChange] = (),
        details: Mapping[str, object] | None = None,
    ) -> None:
        """Append one event; raising here rolls the caller's transaction back."""
        kind, subject_id = subject
        event = by.event(
            self._clock,
            event_type,
            tenant_id=tenant_id,
            subject=Subject.of(kind, subject_id),
            details=change_details(by, changes, details),
        )
        await self._recorder.record(uow, event)

    async def write(self, uow: EventUnit, *events: SecurityEvent) -> None:
        """Append events already built (a sign-up's ``user.signup.succeeded``, a policy
        change with its own ``details``); raising here rolls the caller's transaction back."""
        for event in events:
            await self._recorder.record(uow, event)

    @property
    def clock(self) -> Clock:
        return self._clock
