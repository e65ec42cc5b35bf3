"""Tables of per-tenant attack protection: the policy documents and unblock-link tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tier0.storage.sql.models.base import Base
from tier0.storage.sql.types import JsonType, UTCDateTime


class ProtectionPolicyRow(Base):
    """One row per tenant that changed anything. Each column holds only the fields the tenant
    set (sparse); the rest come from the deployment's settings at read time."""

    __tablename__ = "attack_protection_policies"
    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    brute_force: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    suspicious_ip: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    breached_password: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    rate_limits: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UnblockTicketRow(Base):
    """A brute-force unblock link: only the keyed hash of its secret is stored."""

    __tablename__ = "unblock_tickets"
    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
