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
from tier0.services.config_as_code import Change as AppliedChange

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
    via: str = "cli",
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
            details={"via": via, "fields": sorted(set(fields)), "changes": diff},
        )
    )


_APPLIED: Final[Mapping[tuple[str, str], EventType]] = {
    ("tenant", "created"): EventType.MANAGEMENT_TENANTS_CREATED,
    ("tenant_settings", "updated"): EventType.MANAGEMENT_TENANTS_UPDATED,
    ("api", "created"): EventType.MANAGEMENT_RESOURCE_SERVERS_CREATED,
    ("api", "updated"): EventType.MANAGEMENT_RESOURCE_SERVERS_UPDATED,
    ("application", "created"): EventType.MANAGEMENT_APPLICATIONS_CREATED,
    ("application", "updated"): EventType.MANAGEMENT_APPLICATIONS_UPDATED,
    ("client_secret", "updated"): EventType.MANAGEMENT_APPLICATIONS_SECRET_ROTATED,
    ("client_grant", "created"): EventType.MANAGEMENT_CLIENT_GRANTS_CREATED,
    ("client_grant", "updated"): EventType.MANAGEMENT_CLIENT_GRANTS_UPDATED,
    ("user", "created"): EventType.MANAGEMENT_USERS_CREATED,
    ("user", "updated"): EventType.MANAGEMENT_USERS_UPDATED,
}


async def audit_applied(c: Container, changes: Iterable[AppliedChange]) -> None:
    """One event per change `tier0 apply` made. Subjects are ids or the API identifier; a
    user is named by nothing (its email is personal data), a secret never appears."""
    tenant_ids: dict[str, str] = {}
    for change in changes:
        event_type = _APPLIED.get((change.kind, change.action))
        if event_type is None:
            continue
        if change.tenant not in tenant_ids:
            tenant_ids[change.tenant] = (await c.tenants.get(change.tenant)).id
        tenant_id = tenant_ids[change.tenant]
        subject: tuple[str, str] | None = {
            "tenant": ("tenant", tenant_id),
            "api": ("resource_server", change.name),
            "application": ("client", change.client_id or change.name),
            "client_secret": ("client", change.client_id or change.name),
            "client_grant": ("client_grant", change.name),
        }.get(change.kind)
        await cli_change(
            c,
            tenant_id,
            event_type,
            subject or ("tenant", tenant_id),
            fields=[change.kind],
            via="apply",
        )
