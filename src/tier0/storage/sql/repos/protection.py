"""Per-tenant attack-protection policies and unblock tickets (feature repository on a unit
of work's session). Single use of a ticket is a conditional UPDATE, as for codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.storage.sql.engine import session_of
from tier0.storage.sql.models import ProtectionPolicyRow, TenantRow, UnblockTicketRow
from tier0.storage.sql.repos import SqlUnitOfWork

Column = Literal["brute_force", "suspicious_ip", "breached_password", "rate_limits"]
COLUMNS: tuple[Column, ...] = ("brute_force", "suspicious_ip", "breached_password", "rate_limits")


@dataclass(frozen=True, slots=True)
class StoredPolicies:
    """What a tenant stored, per section (empty: the defaults apply)."""

    tenant_id: str
    sections: Mapping[Column, Mapping[str, Any]]

    def section(self, column: Column) -> Mapping[str, Any]:
        return self.sections.get(column) or {}


@dataclass(frozen=True, slots=True)
class RedeemedTicket:
    user_id: str
    ip: str


def _sections(row: ProtectionPolicyRow | None) -> dict[Column, Mapping[str, Any]]:
    if row is None:
        return {}
    return {column: dict(getattr(row, column) or {}) for column in COLUMNS}


class SqlProtectionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    @classmethod
    def of(cls, uow: SqlUnitOfWork) -> SqlProtectionRepo:
        return cls(session_of(uow))

    async def by_tenant_name(self, name: str) -> StoredPolicies | None:
        """One query for the hot path: the tenant's id and its stored policies (if any)."""
        result = await self._s.execute(
            select(TenantRow.id, ProtectionPolicyRow)
            .outerjoin(ProtectionPolicyRow, ProtectionPolicyRow.tenant_id == TenantRow.id)
            .where(TenantRow.name == name)
            .execution_options(populate_existing=True)
        )
        found = result.first()
        if found is None:
            return None
        return StoredPolicies(found[0], _sections(found[1]))

    async def get(self, tenant_id: str) -> StoredPolicies:
        row = await self._s.get(ProtectionPolicyRow, tenant_id, populate_existing=True)
        return StoredPolicies(tenant_id, _sections(row))

    async def save(
        self, tenant_id: str, column: Column, value: Mapping[str, Any], at: datetime
    ) -> None:
        row = await self._s.get(ProtectionPolicyRow, tenant_id, populate_existing=True)
        stored = dict(value) or None
        if row is None:
            row = ProtectionPolicyRow(tenant_id=tenant_id, updated_at=at)
            setattr(row, column, stored)
            self._s.add(row)
        else:
            setattr(row, column, stored)
            row.updated_at = at
        await self._s.flush()

    async def add_ticket(
        self,
        tenant_id: str,
        ticket_hash: str,
        *,
        user_id: str,
        ip: str,
        at: datetime,
        expires_at: datetime,
    ) -> None:
        # Expired tickets are useless; sweep this tenant's as new ones are made.
        await self._s.execute(
            delete(UnblockTicketRow).where(
                UnblockTicketRow.tenant_id == tenant_id, UnblockTicketRow.expires_at <= at
            )
        )
        self._s.add(
            UnblockTicketRow(
                tenant_id=tenant_id,
                ticket_hash=ticket_hash,
                user_id=user_id,
                ip=ip,
                created_at=at,
                expires_at=expires_at,
            )
        )
        await self._s.flush()

    async def find_ticket(
        self, tenant_id: str, ticket_hash: str, at: datetime
    ) -> RedeemedTicket | None:
        """A live, unused ticket (for the confirmation page; nothing is spent)."""
        row = await self._s.get(UnblockTicketRow, (tenant_id, ticket_hash))
        if row is None or row.used_at is not None or row.expires_at <= at:
            return None
        return RedeemedTicket(row.user_id, row.ip)

    async def use_ticket(
        self, tenant_id: str, ticket_hash: str, at: datetime
    ) -> RedeemedTicket | None:
        """Spend a live ticket once; a second use (or a race) finds nothing."""
        result = await self._s.execute(
            update(UnblockTicketRow)
            .where(
                UnblockTicketRow.tenant_id == tenant_id,
                UnblockTicketRow.ticket_hash == ticket_hash,
                UnblockTicketRow.used_at.is_(None),
                UnblockTicketRow.expires_at > at,
            )
            .values(used_at=at)
            .returning(UnblockTicketRow.user_id, UnblockTicketRow.ip)
            .execution_options(synchronize_session=False)
        )
        found = result.first()
        return RedeemedTicket(found[0], found[1]) if found else None
