"""The versioned secret store (CredStash-like): named secrets per tenant, every version kept
and sealed, every read audited.

Each version is sealed with AES-256-GCM under the tenant subkey ``secret-store``, with the
associated data binding (tenant, ``stored_secrets``, name, version): a sealed value copied
to another name or version does not open. Values are bytes and never appear in a repr, a
log line or an event; events name the secret and its version only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Protocol

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.crypto.aead import aad_for, open_, seal
from tier0.domain import Tenant
from tier0.errors import InvalidInput, NotFound
from tier0.storage.ports import Database, UnitOfWork

PURPOSE: Final = "secret-store"
TABLE: Final = "stored_secrets"
MAX_VALUE_BYTES: Final = 64 * 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,127}")


@dataclass(frozen=True, slots=True)
class SealedVersion:
    """One stored version, as the repository holds it."""

    name: str
    version: int
    sealed: bytes = field(repr=False)
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SecretInfo:
    """What `tier0 secret list` shows: never a value."""

    name: str
    latest_version: int
    versions: int
    updated_at: datetime


class SecretRepo(Protocol):
    async def latest_version(self, tenant_id: str, name: str) -> int: ...
    async def add(
        self, tenant_id: str, name: str, version: int, sealed: bytes, at: datetime
    ) -> None: ...
    async def get(self, tenant_id: str, name: str, version: int | None) -> SealedVersion | None: ...
    async def list(self, tenant_id: str) -> Sequence[SealedVersion]: ...
    async def delete(self, tenant_id: str, name: str, version: int | None) -> int: ...


class SubkeySource(Protocol):
    async def subkey(self, tenant_id: str, purpose: str) -> bytes: ...


RepoFactory = Callable[[UnitOfWork], SecretRepo]


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidInput("a secret name is 1-128 of A-Z a-z 0-9 . _ / - (not starting with one)")
    return name


def _aad(tenant_id: str, name: str, version: int) -> bytes:
    return aad_for(tenant_id, TABLE, name, str(version))


class SecretStore:
    """Put, get, list and delete versioned secrets of a tenant."""

    def __init__(
        self, db: Database, repo: RepoFactory, keys: SubkeySource, audit: AuditLog, clock: Clock
    ) -> None:
        self._db = db
        self._repo = repo
        self._keys = keys
        self._audit = audit
        self._clock = clock

    def _event(
        self, type_: EventType, tenant_id: str, actor: Actor, name: str, version: int
    ) -> SecurityEvent:
        return SecurityEvent.create(
            type_,
            clock=self._clock,
            tenant_id=tenant_id,
            actor=actor,
            subject=Subject.of("secret", name),
            details={"version": version},
        )

    async def put(self, tenant: Tenant, name: str, value: bytes, *, actor: Actor) -> int:
        """Store ``value`` as the next version of ``name``; return the new version number."""
        async with self._db.transaction() as uow:
            return await self.put_in(uow, tenant.id, name, value, actor=actor)

    async def put_in(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        name: str,
        value: bytes,
        *,
        actor: Actor,
        audited_by_caller: bool = False,
    ) -> int:
        """:meth:`put` inside the caller's transaction (a log stream and its secret). With
        ``audited_by_caller`` the caller's own event, in the same transaction, records the
        write (one event per change: "log stream created" says its secret was stored)."""
        check_name(name)
        if not 0 < len(value) <= MAX_VALUE_BYTES:
            raise InvalidInput(f"a secret value is 1..{MAX_VALUE_BYTES} bytes")
        key = await self._keys.subkey(tenant_id, PURPOSE)
        repo = self._repo(uow)
        version = await repo.latest_version(tenant_id, name) + 1
        sealed = seal(key, value, aad=_aad(tenant_id, name, version))
        await repo.add(tenant_id, name, version, sealed, self._clock.now())
        if audited_by_caller:
            return version
        kind = (
            EventType.MANAGEMENT_SECRETS_CREATED
            if version == 1
            else EventType.MANAGEMENT_SECRETS_UPDATED
        )
        await self._audit.record(uow, self._event(kind, tenant_id, actor, name, version))
        return version

    async def get(
        self, tenant: Tenant, name: str, *, version: int | None = None, actor: Actor
    ) -> tuple[int, bytes]:
        """The value of ``name`` (latest, or ``version``); the read is audited first."""
        return await self.read(tenant.id, name, version=version, actor=actor)

    async def read(
        self, tenant_id: str, name: str, *, version: int | None = None, actor: Actor
    ) -> tuple[int, bytes]:
        """:meth:`get` by tenant id; the read is audited, in the same transaction."""
        key = await self._keys.subkey(tenant_id, PURPOSE)
        async with self._db.transaction() as uow:
            found = await self._repo(uow).get(tenant_id, name, version)
            if found is None:
                raise NotFound("no such secret or version")
            event = self._event(EventType.SECRET_READ, tenant_id, actor, name, found.version)
            await self._audit.record(uow, event)
        return found.version, open_(key, found.sealed, aad=_aad(tenant_id, name, found.version))

    async def latest_version(self, tenant_id: str, name: str) -> int:
        """The newest version number of ``name`` (0: none). Metadata only, not a read."""
        async with self._db.read() as uow:
            return await self._repo(uow).latest_version(tenant_id, name)

    async def versions(self, tenant_id: str) -> Sequence[SealedVersion]:
        """Every stored version (names, numbers and times; the values stay sealed)."""
        async with self._db.read() as uow:
            return await self._repo(uow).list(tenant_id)

    async def restore_in(
        self, uow: UnitOfWork, tenant_id: str, name: str, version: int, value: bytes, at: datetime
    ) -> None:
        """Store one version with its number and time, sealed under *this* tenant's key (a
        tenant archive being imported; the import's own event records it)."""
        check_name(name)
        key = await self._keys.subkey(tenant_id, PURPOSE)
        sealed = seal(key, value, aad=_aad(tenant_id, name, version))
        await self._repo(uow).add(tenant_id, name, version, sealed, at)

    async def list(self, tenant: Tenant) -> Sequence[SecretInfo]:
        async with self._db.read() as uow:
            versions = await self._repo(uow).list(tenant.id)
        infos: dict[str, SecretInfo] = {}
        for item in versions:
            seen = infos.get(item.name)
            infos[item.name] = SecretInfo(
                name=item.name,
                latest_version=item.version,
                versions=(seen.versions if seen else 0) + 1,
                updated_at=item.created_at,
            )
        return list(infos.values())

    async def delete(
        self, tenant: Tenant, name: str, *, version: int | None = None, actor: Actor
    ) -> int:
        """Delete one version, or every version of ``name``; return how many went."""
        async with self._db.transaction() as uow:
            count = await self.delete_in(uow, tenant.id, name, version=version, actor=actor)
            if count == 0:
                raise NotFound("no such secret or version")
        return count

    async def delete_in(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        name: str,
        *,
        version: int | None = None,
        actor: Actor,
    ) -> int:
        """:meth:`delete` inside the caller's transaction; 0 (and no event) if none."""
        count = await self._repo(uow).delete(tenant_id, name, version)
        if count:
            event = self._event(
                EventType.MANAGEMENT_SECRETS_DELETED, tenant_id, actor, name, version or 0
            )
            await self._audit.record(uow, event)
        return count
