"""CLI changes that live outside the database (brute-force blocks and throttles in the
counter store) are audited like the others, with the CLI as actor.

Database changes do not come here: the services write their event in the transaction of
the change (``by=ChangedBy.cli()``, see tier0.audit.changes). An event of a counter-store
change can only follow it, since the two stores share no transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from tier0.audit import Actor, EventType, Subject
from tier0.audit.changes import ChangedBy, FieldChange, change_details
from tier0.container import Container

CLI: Final = ChangedBy.cli()
CLI_ACTOR: Final[Actor] = CLI.actor


async def cli_change(
    c: Container,
    tenant_id: str,
    event_type: EventType,
    subject: tuple[str, str],
    *,
    changes: Sequence[FieldChange] = (),
) -> None:
    """Emit the event of a counter-store change the CLI just made."""
    kind, subject_id = subject
    await c.audit.emit(
        CLI.event(
            c.clock,
            event_type,
            tenant_id=tenant_id,
            subject=Subject.of(kind, subject_id),
            details=change_details(CLI, changes),
        )
    )
