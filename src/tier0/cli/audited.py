"""Every change an operator makes from the CLI is audited like a management-API change
(LG-01): a ``management.*`` event with the CLI as actor, the object as subject, the names of
the fields set, and the old and new values of fields that are neither secret nor personal.

The services commit in a transaction of their own, so the event follows the commit (as the
management API's do); a change that failed leaves no event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from tier0.audit import Actor, EventType, SecurityEvent, Subject
from tier0.audit.sanitize import JsonValue
from tier0.container import Container

CLI_ACTOR: Final = Actor.system("cli")

Change = tuple[JsonValue, JsonValue]


async def cli_change(
    c: Container,
    tenant_id: str,
    event_type: EventType,
    subject: tuple[str, str],
    *,
    fields: Iterable[str] = (),
    changes: Mapping[str, Change] | None = None,
) -> None:
    """Emit one audited ``management.*`` event for a change the CLI just committed.

    ``changes`` maps a field to ``(before, after)``; callers put only non-secret,
    non-personal fields there (never a secret, password, email or name: LG-02).
    """
    kind, subject_id = subject
    diff: dict[str, JsonValue] = {
        name: {"from": before, "to": after} for name, (before, after) in (changes or {}).items()
    }
    await c.audit.emit(
        SecurityEvent.create(
            event_type,
            clock=c.clock,
            tenant_id=tenant_id,
            actor=CLI_ACTOR,
            subject=Subject.of(kind, subject_id),
            details={"via": "cli", "fields": sorted(set(fields)), "changes": diff},
        )
    )
