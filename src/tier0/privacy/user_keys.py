"""The tenant setting ``privacy.per_user_keys``: turning per-user PII keys on or off.

On: every user written from then on (created, or updated) gets a data key of their own
(:mod:`tier0.secrets.user_keys`); users written earlier stay under the tenant key until they
are next updated or an operator runs ``tier0 user rekey`` (``tier0 tenant per-user-keys
--on`` runs it at once). Off: new users are sealed under the tenant key again; users who
already have a key keep it, so turning it off never makes anything unreadable.
"""

from __future__ import annotations

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.errors import NotFound
from tier0.secrets.user_keys import SECTION, SETTING
from tier0.storage.ports import Database


async def set_per_user_keys(
    db: Database, audit: AuditLog, clock: Clock, tenant: Tenant, *, enabled: bool, actor: Actor
) -> None:
    """Store the setting and audit the change in one transaction."""
    async with db.transaction() as uow:
        current = await uow.tenants.get(tenant.id)
        if current is None:
            raise NotFound("no such tenant")
        section = current.settings.get(SECTION)
        merged = {**(section if isinstance(section, dict) else {}), SETTING: enabled}
        await uow.tenants.update_settings(tenant.id, {**current.settings, SECTION: merged})
        event = SecurityEvent.create(
            EventType.MANAGEMENT_TENANTS_UPDATED,
            clock=clock,
            tenant_id=tenant.id,
            actor=actor,
            subject=Subject.of("tenant", tenant.id),
            details={"fields": [f"{SECTION}.{SETTING}"], SETTING: enabled},
        )
        await audit.record(uow, event)
