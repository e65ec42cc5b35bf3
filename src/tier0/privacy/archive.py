"""Signed tenant archives (DP-03, DP-04): export everything a tenant is made of; import it
back, here after ``tier0 tenant destroy`` or in another installation.

The archive is one compact JWS (``typ`` ``tier0-tenant-archive+jwt``) signed by the default
tenant's key (see :mod:`tier0.privacy.notary`). It carries the tenant's settings, its
applications, APIs, client grants, roles with their permissions, users (password hashes only
when asked for: a migration export is a separately scoped, audited act), who holds which
role or direct permission, log streams, the names and versions of its stored secrets, and
its audit log. Secret values travel only sealed under an operator's passphrase
(:mod:`tier0.privacy.archive_secrets`); each one read for an export is a ``secret.read``.

Import restores every section with its ids (:mod:`tier0.privacy.archive_records`), in one
transaction after the tenant itself, and stores the secrets under the *target* tenant's keys.
Two things cannot move: client secrets, which are hashed under the source tenant's key, so
confidential applications get new ones (returned once); and the audit log, which is carried
for the record while the target keeps its own chain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final

from tier0.audit.canonical import event_to_dict
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.audit.store import EventQuery
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.domain.applications import AuthMethod
from tier0.errors import Conflict, InvalidInput
from tier0.privacy import archive_records as rec
from tier0.privacy.archive_import import ImportReport, Restorer
from tier0.privacy.archive_secrets import encode_value, open_section, seal_section
from tier0.privacy.notary import Notary
from tier0.secrets.store import SecretStore
from tier0.services.keyring import TenantKeyring
from tier0.services.tenants import TenantService
from tier0.storage.ports import Database, UnitOfWork
from tier0.views import iso, user_view

ARCHIVE_TYP: Final = "tier0-tenant-archive+jwt"
FORMAT: Final = "tier0-tenant-archive/2"
READABLE: Final = frozenset({"tier0-tenant-archive/1", FORMAT})
PAGE: Final = 500
_SECRET_METHODS: Final = frozenset({AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST})

Assignments = Callable[[UnitOfWork, str], Awaitable[dict[str, list[dict[str, Any]]]]]


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


class TenantArchiver:
    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        tenants: TenantService,
        audit: AuditLog,
        notary: Notary,
        clock: Clock,
        *,
        secrets: SecretStore,
        assignments: Assignments,
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._tenants = tenants
        self._audit = audit
        self._notary = notary
        self._clock = clock
        self._secrets = secrets
        self._assignments = assignments

    async def export(
        self,
        name: str,
        *,
        include_hashes: bool,
        actor: Actor,
        passphrase: bytes | None = None,
    ) -> str:
        """The signed archive of tenant ``name``; the export is audited in the tenant."""
        tenant = await self._tenants.get(name)
        claims: dict[str, Any] = {
            "format": FORMAT,
            "exported_at": iso(self._clock.now()),
            "includes_hashes": include_hashes,
            "tenant": {
                "name": tenant.name,
                "display_name": tenant.display_name,
                "settings": dict(tenant.settings),
            },
            **await self._config(tenant.id),
            "users": await self._users(tenant.id, include_hashes),
        }
        claims.update(await self._secret_section(tenant.id, actor, passphrase))
        claims["audit_log"] = await self._events(tenant.id)
        await self._record(tenant, actor, include_hashes, sealed=passphrase is not None)
        return await self._notary.sign(claims, typ=ARCHIVE_TYP)

    async def _config(self, tenant_id: str) -> dict[str, Any]:
        async with self._db.read() as uow:
            apps = await uow.applications.list(tenant_id, limit=10_000)
            apis = await uow.resource_servers.list(tenant_id, limit=10_000)
            grants = await uow.client_grants.list(tenant_id)
            roles = []
            for role in await uow.roles.list(tenant_id):
                perms = await uow.roles.permissions(tenant_id, role.id)
                roles.append(
                    {
                        "id": role.id,
                        "name": role.name,
                        "description": role.description,
                        "created_at": iso(role.created_at),
                        "permissions": sorted(
                            ({"resource_server_identifier": p.resource_server_identifier,
                              "permission_name": p.permission_name} for p in perms),
                            key=lambda p: (p["resource_server_identifier"], p["permission_name"]),
                        ),
                    }
                )  # fmt: skip
            streams = await uow.streams.list(tenant_id)
            assignments = await self._assignments(uow, tenant_id)
        return {
            "applications": sorted(
                (rec.application_record(a) for a in apps), key=lambda r: r["client_id"]
            ),
            "apis": sorted((rec.api_record(a) for a in apis), key=lambda r: r["id"]),
            "client_grants": sorted((rec.grant_record(g) for g in grants), key=lambda r: r["id"]),
            "roles": sorted(roles, key=lambda r: r["id"]),
            "assignments": assignments,
            "log_streams": sorted((rec.stream_record(s) for s in streams), key=lambda r: r["id"]),
        }

    async def _users(self, tenant_id: str, include_hashes: bool) -> list[dict[str, Any]]:
        users = []
        after = None
        while True:
            async with self._db.read() as uow:
                page = await uow.users.list_after(tenant_id, after, limit=PAGE)
            for user in page:
                view = user_view(user)
                if include_hashes:
                    view["password_hash"] = user.password_hash
                users.append(view)
            last = page[-1] if page else None
            if last is None or last.created_at is None or len(page) < PAGE:
                return users
            after = (last.created_at, last.user_id)

    async def _secret_section(
        self, tenant_id: str, actor: Actor, passphrase: bytes | None
    ) -> dict[str, Any]:
        """Names and versions always; the values, each read audited, only sealed."""
        versions = await self._secrets.versions(tenant_id)
        listing = [
            {"name": v.name, "version": v.version, "created_at": iso(v.created_at)}
            for v in versions
        ]
        if passphrase is None or not versions:
            return {"secrets": listing}
        values = []
        for item, stored in zip(listing, versions, strict=True):
            _, value = await self._secrets.read(
                tenant_id, stored.name, version=stored.version, actor=actor
            )
            values.append({**item, "value": encode_value(value)})
        return {"secrets": listing, "sealed_secrets": seal_section(passphrase, {"secrets": values})}

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

    async def _record(
        self, tenant: Tenant, actor: Actor, include_hashes: bool, *, sealed: bool
    ) -> None:
        event = SecurityEvent.create(
            EventType.EXPORT_COMPLETED,
            clock=self._clock,
            tenant_id=tenant.id,
            actor=actor,
            subject=Subject.of("tenant", tenant.id),
            details={
                "archive": True,
                "includes_hashes": include_hashes,
                "includes_secrets": sealed,
            },
        )
        await self._audit.emit(event)

    async def import_(
        self,
        token: str,
        *,
        trusted_keys: Sequence[Mapping[str, Any]] | None = None,
        passphrase: bytes | None = None,
        actor: Actor | None = None,
    ) -> ImportReport:
        """Verify an archive and restore its tenant, configuration, users and secrets."""
        claims = await self._notary.verify(token, typ=ARCHIVE_TYP, keys=trusted_keys)
        if claims.get("format") not in READABLE:
            raise InvalidInput("not a tier0 tenant archive")
        values: list[dict[str, Any]] = []
        if "sealed_secrets" in claims:
            if passphrase is None:
                raise InvalidInput("the archive holds sealed secrets: give its passphrase")
            values = list(open_section(passphrase, claims["sealed_secrets"])["secrets"])
        spec = claims["tenant"]
        if await self._tenants.find(spec["name"]) is not None:
            raise Conflict(f"tenant {spec['name']!r} already exists")
        importer = actor or Actor.system("tenant-import")
        tenant = await self._tenants.create(
            spec["name"], by=ChangedBy(importer, "tenant_import"), display_name=spec["display_name"]
        )
        restorer = Restorer(
            tenant, claims, values, self._keyring, self._secrets, self._audit, self._clock
        )
        async with self._db.transaction() as uow:
            return await restorer.run(uow, importer)


__all__ = ["ARCHIVE_TYP", "ImportReport", "TenantArchiver"]
