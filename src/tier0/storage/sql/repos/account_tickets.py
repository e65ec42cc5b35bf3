"""SQL implementation of the :class:`~tier0.users.tickets.TicketStore` port."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.storage.ports import UnitOfWork
from tier0.storage.sql.models.account_tickets import AccountTicketRow
from tier0.storage.sql.repos import SqlUnitOfWork
from tier0.users.tickets import Ticket


def _ticket(row: AccountTicketRow) -> Ticket:
    return Ticket(
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        purpose=row.purpose,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


class SqlTicketStore:
    """Tickets on one SQL session; every query names the tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, ticket_hash: str, ticket: Ticket) -> None:
        self._s.add(
            AccountTicketRow(
                ticket_hash=ticket_hash,
                tenant_id=ticket.tenant_id,
                user_id=ticket.user_id,
                purpose=ticket.purpose,
                created_at=ticket.created_at,
                expires_at=ticket.expires_at,
                used_at=None,
            )
        )
        await self._s.flush()

    async def get(self, tenant_id: str, ticket_hash: str) -> Ticket | None:
        row = await self._s.scalar(
            select(AccountTicketRow).where(
                AccountTicketRow.tenant_id == tenant_id,
                AccountTicketRow.ticket_hash == ticket_hash,
            )
        )
        return _ticket(row) if row is not None else None

    async def consume(self, tenant_id: str, ticket_hash: str, purpose: str, at: datetime) -> bool:
        """Mark the ticket used if it is unused and unexpired; True for exactly one caller."""
        result = await self._s.execute(
            update(AccountTicketRow)
            .where(
                AccountTicketRow.tenant_id == tenant_id,
                AccountTicketRow.ticket_hash == ticket_hash,
                AccountTicketRow.purpose == purpose,
                AccountTicketRow.used_at.is_(None),
                AccountTicketRow.expires_at > at,
            )
            .values(used_at=at)
        )
        return int(getattr(result, "rowcount", 0)) == 1

    async def retire_for_user(
        self, tenant_id: str, user_id: str, purpose: str, at: datetime
    ) -> int:
        """Mark every open ticket of this kind used (a newer link or a finished reset)."""
        result = await self._s.execute(
            update(AccountTicketRow)
            .where(
                AccountTicketRow.tenant_id == tenant_id,
                AccountTicketRow.user_id == user_id,
                AccountTicketRow.purpose == purpose,
                AccountTicketRow.used_at.is_(None),
            )
            .values(used_at=at)
        )
        return int(getattr(result, "rowcount", 0))

    async def purge_expired(self, before: datetime) -> int:
        result = await self._s.execute(
            delete(AccountTicketRow).where(AccountTicketRow.expires_at < before)
        )
        return int(getattr(result, "rowcount", 0))


def sql_ticket_store(uow: UnitOfWork) -> SqlTicketStore:
    """The ticket store on the session of an SQL unit of work (the container's factory)."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("SqlTicketStore needs an SQL unit of work")
    return SqlTicketStore(uow.session)
