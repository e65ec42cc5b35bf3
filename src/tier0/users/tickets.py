"""Single-use, expiring links for email verification and password reset (PW-07).

A ticket is 256 random bits from :func:`random_token` (PW-07 and ASVS 6.4.3 ask for at least
128), shown once, in the mailed link. The store keeps only its keyed hash under the tenant's
hash key, with a purpose per kind, so a verification ticket can never be replayed as a reset
ticket and a database dump redeems nothing. Redeeming is a conditional ``UPDATE ... WHERE
used_at IS NULL AND expires_at > now``: of two parallel clicks exactly one wins. Issuing a
new link retires the user's older ones of the same kind (only the newest mail works).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from tier0.clock import Clock
from tier0.crypto.random import random_token
from tier0.domain import Tenant
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import Database, UnitOfWork

__all__ = ["Purpose", "Ticket", "TicketStore", "Tickets"]

_TICKET_BYTES = 32
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{22,64}")


class Purpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose label, not a password


@dataclass(frozen=True, slots=True)
class Ticket:
    tenant_id: str
    user_id: str
    purpose: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class TicketStore(Protocol):
    """Tickets inside one transaction (see :mod:`tier0.storage.sql.repos.account_tickets`)."""

    async def add(self, ticket_hash: str, ticket: Ticket) -> None: ...
    async def get(self, tenant_id: str, ticket_hash: str) -> Ticket | None: ...
    async def consume(
        self, tenant_id: str, ticket_hash: str, purpose: str, at: datetime
    ) -> bool: ...
    async def retire_for_user(
        self, tenant_id: str, user_id: str, purpose: str, at: datetime
    ) -> int: ...
    async def purge_expired(self, before: datetime) -> int: ...


class Tickets:
    """Issues, checks and redeems tickets."""

    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        clock: Clock,
        store: Callable[[UnitOfWork], TicketStore],
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._clock = clock
        self._store = store

    async def _hash(self, tenant: Tenant, value: str, purpose: Purpose) -> str:
        key = await self._keyring.hash_key(tenant.id)
        return key.digest(value, purpose=f"ticket-{purpose}")

    async def issue(
        self,
        tenant: Tenant,
        user_id: str,
        purpose: Purpose,
        lifetime: timedelta,
        *,
        also: Callable[[UnitOfWork], Awaitable[object]] | None = None,
    ) -> str:
        """A new ticket for ``user_id``; the user's older open ones of this kind retire.
        ``also`` runs inside the ticket's transaction (its event: issue #6); raising there
        leaves no ticket."""
        value = random_token(_TICKET_BYTES)
        now = self._clock.now()
        ticket = Ticket(tenant.id, user_id, str(purpose), now, now + lifetime)
        ticket_hash = await self._hash(tenant, value, purpose)
        async with self._db.transaction() as uow:
            store = self._store(uow)
            await store.retire_for_user(tenant.id, user_id, str(purpose), now)
            await store.add(ticket_hash, ticket)
            if also is not None:
                await also(uow)
        return value

    async def peek(self, tenant: Tenant, value: str | None, purpose: Purpose) -> Ticket | None:
        """The ticket if it is usable now (unused, unexpired, of this kind); else None."""
        if value is None or not _WELL_FORMED.fullmatch(value):
            return None
        ticket_hash = await self._hash(tenant, value, purpose)
        async with self._db.read() as uow:
            ticket = await self._store(uow).get(tenant.id, ticket_hash)
        if ticket is None or ticket.purpose != purpose or ticket.used_at is not None:
            return None
        return ticket if self._clock.now() < ticket.expires_at else None

    async def fingerprint(self, tenant: Tenant, value: str | None, purpose: Purpose) -> str | None:
        """The stored form of ``value`` (None for a malformed one). Computed before the
        caller's transaction: the keyring may read its key, and transactions do not nest."""
        if value is None or not _WELL_FORMED.fullmatch(value):
            return None
        return await self._hash(tenant, value, purpose)

    async def redeem(
        self, uow: UnitOfWork, tenant: Tenant, ticket_hash: str | None, purpose: Purpose
    ) -> Ticket | None:
        """Use the ticket inside the caller's transaction: the ticket, or None when it is
        unknown, expired or already used (then nothing may change)."""
        if ticket_hash is None:
            return None
        store = self._store(uow)
        ticket = await store.get(tenant.id, ticket_hash)
        if ticket is None or not await store.consume(
            tenant.id, ticket_hash, str(purpose), self._clock.now()
        ):
            return None
        return ticket

    async def retire(self, uow: UnitOfWork, tenant: Tenant, user_id: str, purpose: Purpose) -> int:
        """Retire every open ticket of this kind (e.g. all reset links, once one was used)."""
        return await self._store(uow).retire_for_user(
            tenant.id, user_id, str(purpose), self._clock.now()
        )
