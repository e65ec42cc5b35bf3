"""The ``account_tickets`` table: email-verification and password-reset links.

A ticket is the random secret in a mailed link. Only its keyed hash is stored (the primary
key), so a database dump lets nobody verify an address or reset a password (PW-07).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tier0.storage.sql.models.base import Base
from tier0.storage.sql.types import UTCDateTime


class AccountTicketRow(Base):
    """One mailed link. ``used_at`` is set once, by a conditional update (single use)."""

    __tablename__ = "account_tickets"
    __table_args__ = (Index("ix_account_tickets_user", "tenant_id", "user_id", "purpose"),)
    ticket_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40), ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.user_id", ondelete="CASCADE")
    )
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
