"""Signed tenant archives (DP-03, DP-04): export a tenant's configuration, users and audit
log; import the tenant and its users elsewhere.

The archive is one compact JWS (``typ`` ``tier0-tenant-archive+jwt``) signed by the default
tenant's key (see :mod:`tier0.privacy.notary`). Password hashes are included only when asked
for (``include_hashes``): a migration export is a separately scoped, audited act.
Import restores the tenant (name, display name, settings) and its users with their ids,
profiles and, when present, hashes; applications, APIs, roles and the audit log are in the
archive for the record and are not re-created (client secrets are hashed and cannot be
carried over; the target keeps its own audit chain).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from tier0.audit.canonical import event_to_dict
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.audit.store import EventQuery
from tier0.clock import Clock
from tier0.domain import Tenant, User
from tier0.errors import Conflict, InvalidInput
from tier0.privacy.notary import Notary
from tier0.services.keyring import TenantKeyring
from tier0.services.tenants import TenantService
from tier0.storage.ports import Database
from tier0.views import api_view, application_view, iso, role_view, user_view

ARCHIVE_TYP: Final = "tier0-tenant-archive+jwt"
FORMAT: Final = "tier0-tenant-archive/1"
PAGE: Final = 500


def _event(event: SecurityEvent, seq: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "id": event.id,
        "date": iso(event.time),
        "type": str(event.type),
        "actor": {"kind": str(event.actor.kind), "id": event.actor.id},
        "subject": {"kind": event.subject.kind, "id": event.subject.id} if event.subject else None,
        "client_id": event.client_id,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event_to_dict(event)["details"],  # nested details thawed to plain JSON
    }


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _user(tenant_id: str, data: Mapping[str, Any]) -> User:
    names = ("username", "name", "given_name", "family_name", "nickname", "picture")
    return User(
        tenant_id=tenant_id,
        user_id=str(data["user_id"]),
        email=str(data["email"]),
        email_verified=bool(data.get("email_verified", False)),
        blocked=bool(data.get("blocked", False)),
        user_metadata=dict(data.get("user_metadata") or {}),
        app_metadata=dict(data.get("app_metadata") or {}),
        password_hash=data.get("password_hash"),
        created_at=_when(data.get("created_at")),
        updated_at=_when(data.get("updated_at")),
        last_login=_when(data.get("last_login")),
        logins_count=int(data.get("logins_count") or 0),
        **{n: data.get(n) for n in names},
    )


class TenantArchiver:
    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        tenants: TenantService,
        audit: AuditLog,
        notary: Notary,
        clock: Clock,
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._tenants = tenants
        self._audit = audit
        self._notary = notary
        self._clock = clock

    async def export(self, name: str, *, include_hashes: bool, actor: Actor) -> str:
        """The signed archive of tenant ``name``; the export is audited in the tenant."""
        tenant = await self._tenants.get(name)
        async with self._db.read() as uow:
            apps = await uow.applications.list(tenant.id, limit=10_000)
            apis = await uow.resource_servers.list(tenant.id, limit=10_000)
            roles = await uow.roles.list(tenant.id)
        users = []
        after = None
        while True:
            async with self._db.read() as uow:
                page = await uow.users.list_after(tenant.id, after, limit=PAGE)
            for user in page:
                view = user_view(user)
                if include_hashes:
                    view["password_hash"] = user.password_hash
                users.append(view)
            last = page[-1] if page else None
            if last is None or last.created_at is None or len(page) < PAGE:
                break
            after = (last.created_at, last.user_id)
        claims = {
            "format": FORMAT,
            "exported_at": iso(self._clock.now()),
            "includes_hashes": include_hashes,
            "tenant": {
                "name": tenant.name,
                "display_name": tenant.display_name,
                "settings": dict(tenant.settings),
            },
            "applications": [application_view(a) for a in apps],
            "apis": [api_view(a) for a in apis],
            "roles": [role_view(r) for r in roles],
            "users": users,
            "audit_log": await self._events(tenant.id),
        }
        await self._record(tenant, actor, include_hashes)
        return await self._notary.sign(claims, typ=ARCHIVE_TYP)

    async def _events(self, tenant_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            page = await self._audit.search(
                EventQuery(tenant_id=tenant_id, after_seq=after, limit=PAGE)
            )
            out.extend(_event(e.event, e.seq) for e in page)
            if len(page) < PAGE:
                return out
            after = page[-1].seq

    async def _record(self, tenant: Tenant, actor: Actor, include_hashes: bool) -> None:
        event = SecurityEvent.create(
            EventType.EXPORT_COMPLETED,
            clock=self._clock,
            tenant_id=tenant.id,
            actor=actor,
            subject=Subject.of("tenant", tenant.id),
            details={"archive": True, "includes_hashes": include_hashes},
        )
        await self._audit.emit(event)

    async def import_(
        self,
        token: str,
        *,
        by: ChangedBy,
        trusted_keys: Sequence[Mapping[str, Any]] | None = None,
    ) -> tuple[Tenant, int]:
        """Verify an archive and create its tenant and users; return them and the count."""
        claims = await self._notary.verify(token, typ=ARCHIVE_TYP, keys=trusted_keys)
        if claims.get("format") != FORMAT:
            raise InvalidInput("not a tier0 tenant archive")
        spec = claims["tenant"]
        if await self._tenants.find(spec["name"]) is not None:
            raise Conflict(f"tenant {spec['name']!r} already exists")
        tenant = await self._tenants.create(spec["name"], by=by, display_name=spec["display_name"])
        users = [_user(tenant.id, data) for data in claims.get("users", [])]
        async with self._db.transaction() as uow:
            await uow.tenants.update_settings(tenant.id, dict(spec.get("settings") or {}))
            for user in users:
                await uow.users.add(user)
        return tenant, len(users)


__all__ = ["ARCHIVE_TYP", "TenantArchiver"]
