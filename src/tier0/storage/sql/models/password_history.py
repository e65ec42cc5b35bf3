"""The ``password_history`` table: previous password hashes of users (never a password)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tier0.storage.sql.models.base import Base
from tier0.storage.sql.types import UTCDateTime


class PasswordHistoryRow(Base):
    """One previous hash. Rows go with their user (and tenant) on delete."""

    __tablename__ = "password_history"
    __table_args__ = (Index("ix_password_history_user", "tenant_id", "user_id", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40), ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.user_id", ondelete="CASCADE")
    )
    password_hash: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
