"""Restoring a tenant archive (see :mod:`tier0.privacy.archive`): every section with its ids,
inside one transaction, secrets sealed again under the target tenant's keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.audit.store import EventQuery
from tier0.audit.streams.config import TOKEN_KINDS
from tier0.audit.streams.model import StreamKind, StreamStatus
from tier0.clock import Clock
from tier0.crypto.random import random_token
from tier0.domain import Permission, Tenant, User
from tier0.domain.applications import AuthMethod
from tier0.privacy import archive_records as rec
from tier0.privacy.archive_secrets import decode_value
from tier0.secrets.store import SecretStore
from tier0.services.applications import SECRET_PURPOSE
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import UnitOfWork

_SECRET_METHODS: Final = frozenset({AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST})


def _user(tenant_id: str, data: Mapping[str, Any]) -> User:
    names = ("username", "name", "given_name", "family_name", "nickname", "picture", "last_ip")
    return User(
        tenant_id=tenant_id,
        user_id=str(data["user_id"]),
        email=str(data["email"]),
        email_verified=bool(data.get("email_verified", False)),
        blocked=bool(data.get("blocked", False)),
        user_metadata=dict(data.get("user_metadata") or {}),
        app_metadata=dict(data.get("app_metadata") or {}),
        password_hash=data.get("password_hash"),
        created_at=rec.when(data.get("created_at")),
        updated_at=rec.when(data.get("updated_at")),
        last_login=rec.when(data.get("last_login")),
        logins_count=int(data.get("logins_count") or 0),
        **{n: data.get(n) for n in names},
    )


def _permissions(items: Sequence[Mapping[str, Any]]) -> list[Permission]:
    return [Permission(p["resource_server_identifier"], p["permission_name"]) for p in items]


@dataclass(frozen=True, slots=True)
class ImportReport:
    tenant: Tenant
    users: int
    client_secrets: dict[str, str] = field(default_factory=dict, repr=False)
    paused_streams: list[str] = field(default_factory=list)


class Restorer:
    """One import, section by section, inside one transaction."""

    def __init__(
        self,
        tenant: Tenant,
        claims: Mapping[str, Any],
        values: list[dict[str, Any]],
        keyring: TenantKeyring,
        secrets: SecretStore,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._keyring = keyring
        self._secrets = secrets
        self._audit = audit
        self._clock = clock
        self._tenant = tenant
        self._claims = claims
        self._values = values

    def _section(self, name: str) -> list[dict[str, Any]]:
        return list(self._claims.get(name) or [])

    async def run(self, uow: UnitOfWork, actor: Actor) -> ImportReport:
        tid = self._tenant.id
        await uow.tenants.update_settings(tid, dict(self._claims["tenant"].get("settings") or {}))
        await self._apis(uow)
        secrets = await self._applications(uow)
        for grant in self._section("client_grants"):
            await uow.client_grants.add(rec.grant_from(tid, grant))
        for role in self._section("roles"):
            await uow.roles.add(rec.role_from(tid, role))
            await uow.roles.add_permissions(tid, role["id"], _permissions(role["permissions"]))
        users = self._section("users")
        for data in users:
            await uow.users.add(_user(tid, data))
        await self._assign(uow)
        paused = await self._streams(uow)
        for item in self._values:
            created = rec.when(item.get("created_at")) or self._clock.now()
            await self._secrets.restore_in(
                uow, tid, item["name"], int(item["version"]), decode_value(item["value"]), created
            )
        event = SecurityEvent.create(
            EventType.IMPORT_COMPLETED,
            clock=self._clock,
            tenant_id=tid,
            actor=actor,
            subject=Subject.of("tenant", tid),
            details={"archive": True, "users": len(users), "secrets": len(self._values)},
        )
        await self._audit.record(uow, event)
        return ImportReport(self._tenant, len(users), secrets, paused)

    async def _apis(self, uow: UnitOfWork) -> None:
        """The archive's APIs with their ids; the management API that creating the tenant
        provisioned gives way to the archived one (same audience, the archived id)."""
        tid = self._tenant.id
        for data in self._section("apis"):
            provisioned = await uow.resource_servers.get_by_identifier(tid, data["identifier"])
            if provisioned is not None:
                await uow.resource_servers.delete(tid, provisioned.id)
            await uow.resource_servers.add(rec.api_from(tid, data))

    async def _applications(self, uow: UnitOfWork) -> dict[str, str]:
        """Applications with their client ids; confidential ones get a new secret, since
        the old one is hashed under the source tenant's key."""
        hash_key = await self._keyring.hash_key(self._tenant.id)
        issued: dict[str, str] = {}
        for data in self._section("applications"):
            secret_hash = None
            if AuthMethod(data["token_endpoint_auth_method"]) in _SECRET_METHODS:
                secret = random_token(32)
                issued[data["client_id"]] = secret
                secret_hash = hash_key.digest(secret, purpose=SECRET_PURPOSE)
            await uow.applications.add(rec.application_from(self._tenant.id, data, secret_hash))
        return issued

    async def _assign(self, uow: UnitOfWork) -> None:
        tid = self._tenant.id
        assignments = self._claims.get("assignments") or {}
        members: dict[str, list[str]] = defaultdict(list)
        for item in assignments.get("user_roles", []):
            members[item["role_id"]].append(item["user_id"])
        for role_id, user_ids in members.items():
            await uow.roles.assign(tid, role_id, user_ids)
        direct: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in assignments.get("user_permissions", []):
            direct[item["user_id"]].append(item)
        for user_id, perms in direct.items():
            await uow.roles.grant_user(tid, user_id, _permissions(perms))

    async def _streams(self, uow: UnitOfWork) -> list[str]:
        """Streams start after the target's newest event; one whose secret did not come
        along (no passphrase at export) is paused rather than failing on every batch."""
        tid = self._tenant.id
        newest = await uow.events.search(EventQuery(tenant_id=tid, limit=1, newest_first=True))
        cursor = newest[0].seq if newest else 0
        restored = {item["name"] for item in self._values}
        paused = []
        for data in self._section("log_streams"):
            stream = rec.stream_from(tid, data, cursor)
            needs = stream.kind is StreamKind.WEBHOOK or stream.kind in TOKEN_KINDS
            if needs and f"log-streams/{stream.id}" not in restored:
                stream = replace(stream, status=StreamStatus.PAUSED)
                paused.append(stream.name)
            await uow.streams.add(stream, None)
        return paused
