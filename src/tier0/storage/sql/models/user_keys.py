"""Per-user data keys for personal data (crypto-shredding of one user, DP-05).

``user_wrap_keys`` holds a tenant's user-key wrapping key (UWK), wrapped by the KMS; it is
replaced by a fresh version every time a user with a key is erased. ``user_keys`` holds
one random data key per user, sealed under a UWK version. A ``user_keys`` row refers to its
UWK version, so the database refuses to drop a version that still wraps a key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tier0.storage.sql.models.base import Base
from tier0.storage.sql.types import UTCDateTime


class UserWrapKeyRow(Base):
    """One version of a tenant's user-key wrapping key, wrapped by the KEK."""

    __tablename__ = "user_wrap_keys"
    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserKeyRow(Base):
    """A user's data key, AES-256-GCM-sealed under UWK ``wrap_version`` of the tenant."""

    __tablename__ = "user_keys"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "wrap_version"],
            ["user_wrap_keys.tenant_id", "user_wrap_keys.version"],
        ),
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = mapped_column(String(40), index=True)
    wrap_version: Mapped[int] = mapped_column(Integer)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
