"""Erasure of a user (GDPR Art. 17, DP-05).

One transaction removes the user row; the database cascades to sessions, grants (and with
them authorization codes and refresh tokens), role and permission assignments and password
history, so a refresh token of the user fails at once with ``invalid_grant``. The user's
personal data was only ever stored sealed, and SQLite overwrites deleted cells
(``secure_delete``).

The audit log is append-only and hash-chained, so earlier events are not rewritten: they
carry the random user id and never an email or name (LG-02), and once the row is gone that id
points at nobody. The erasure event itself names only a *pseudonym*: a keyed hash of the user
id under a tenant subkey, which lets an operator holding the keys confirm that a given id was
erased without the log naming it.

With per-user keys (tenant setting ``privacy.per_user_keys``) the user's data key row goes
with the user row, and then the key is shredded for backups too: the tenant's surviving
user keys move to a fresh wrapping key, and the KEK that wrapped the old one is rotated and
destroyed (:mod:`tier0.privacy.shredding`). A database dump taken before the erasure then
holds the user's sealed fields and sealed key, and no live key opens either.

Attack-protection counters about the user (brute-force counts and blocks, guessing and
account throttles, per-user rate limits) are keyed by keyed hashes of the user's email,
username and id; after the commit every counter under one of those hashes is deleted, in
Redis and in the in-process store. If Redis is down at that moment the report says so
(``counters_cleared`` is ``None``) and the counters expire with their windows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.cache.counters import CounterStoreUnavailable
from tier0.clock import Clock
from tier0.crypto.keyed_hash import HashKey
from tier0.crypto.kms.base import Kms
from tier0.domain import Tenant
from tier0.errors import NotFound
from tier0.privacy.shredding import shred_kek
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import Database

PSEUDONYM_PURPOSE: Final = "erasure-pseudonym"


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What was removed; no personal data."""

    pseudonym: str
    sessions: int
    grants: int
    refresh_tokens: int
    key_shredded: bool = False
    kek: dict[str, Any] | None = None
    counters_cleared: int | None = 0


ForgetCounters = Callable[[Tenant, Iterable[str | None]], Awaitable[int]]


class UserEraser:
    def __init__(
        self,
        db: Database,
        keys: TenantKeyring,
        kms: Kms,
        audit: AuditLog,
        clock: Clock,
        *,
        forget_counters: ForgetCounters | None = None,
    ) -> None:
        self._forget_counters = forget_counters
        self._db = db
        self._keys = keys
        self._kms = kms
        self._audit = audit
        self._clock = clock

    async def pseudonym(self, tenant_id: str, user_id: str) -> str:
        """``pseu_`` + a keyed hash of the user id: stable per tenant, not reversible."""
        key = HashKey(await self._keys.subkey(tenant_id, PSEUDONYM_PURPOSE))
        return "pseu_" + key.digest(user_id, purpose=PSEUDONYM_PURPOSE)[:32]

    async def erase(self, tenant: Tenant, user_id: str, *, actor: Actor) -> ErasureReport:
        """Delete the user and everything hanging off it, and audit it pseudonymously."""
        pseudonym = await self.pseudonym(tenant.id, user_id)
        async with self._db.transaction() as uow:
            user = await uow.users.get(tenant.id, user_id)
            if user is None:
                raise NotFound("no such user")
            own_key = bool(await uow.user_keys.keys(tenant.id, [user_id]))
            sessions = await uow.sessions.list_for_user(tenant.id, user_id)
            grants = await uow.grants.list_for_user(tenant.id, user_id)
            tokens = await uow.refresh_tokens.list_for_user(tenant.id, user_id)
            await uow.users.delete(tenant.id, user_id)  # cascades (see module docstring)
            report = ErasureReport(
                pseudonym, len(sessions), len(grants), len(tokens), key_shredded=own_key
            )
            event = SecurityEvent.create(
                EventType.ERASURE_COMPLETED,
                clock=self._clock,
                tenant_id=tenant.id,
                actor=actor,
                subject=Subject.of("user", pseudonym),
                details={
                    "sessions": report.sessions,
                    "grants": report.grants,
                    "refresh_tokens": report.refresh_tokens,
                    "user_key_shredded": own_key,
                },
            )
            await self._audit.record(uow, event)
        cleared = await self._forget(tenant, (user.email, user.username, user_id))
        report = dataclasses.replace(report, counters_cleared=cleared)
        if not own_key:
            return report
        return dataclasses.replace(report, kek=await self.shred_user_keys(tenant.id))

    async def _forget(self, tenant: Tenant, identifiers: Iterable[str | None]) -> int | None:
        if self._forget_counters is None:
            return 0
        try:
            return await self._forget_counters(tenant, identifiers)
        except CounterStoreUnavailable:
            return None

    async def shred_user_keys(self, tenant_id: str) -> dict[str, Any]:
        """Make deleted user keys of the tenant unreadable in backups too: a fresh wrapping
        key for the survivors, then a fresh KEK and the old ones destroyed."""
        version = await self._keys.users.replace_wrap_key(self._db, tenant_id)
        return {"user_wrap_key_version": version, **await shred_kek(self._kms, self._keys)}
