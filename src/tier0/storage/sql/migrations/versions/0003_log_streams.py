"""Log streams with the relay's cursor, lease and retry state.

Revision ID: 0003_log_streams
Revises: 0002_audit_events
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0003_log_streams"
down_revision: str | Sequence[str] | None = "0002_audit_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "log_streams",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(256), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_log_streams"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_log_streams_tenant_id_name"),
    )
    op.create_index("ix_log_streams_tenant_id", "log_streams", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_log_streams_tenant_id", table_name="log_streams")
    op.drop_table("log_streams")
