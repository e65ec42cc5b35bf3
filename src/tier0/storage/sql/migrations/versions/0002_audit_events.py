"""Audit log: chained security events, chain heads, signed checkpoints (LG-03).

Revision ID: 0002_audit_events
Revises: 0001_directory
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_audit_events"
down_revision: str | Sequence[str] | None = "0001_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("tenant_id", sa.String(256), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("actor_kind", sa.String(8), nullable=False),
        sa.Column("actor_id", sa.String(256), nullable=True),
        sa.Column("subject_kind", sa.String(32), nullable=True),
        sa.Column("subject_id", sa.String(256), nullable=True),
        sa.Column("client_id", sa.String(256), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "seq", name="pk_events"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )
    op.create_index("ix_events_tenant_type_seq", "events", ["tenant_id", "type", "seq"])
    op.create_index("ix_events_tenant_time", "events", ["tenant_id", "time"])
    op.create_index("ix_events_tenant_actor", "events", ["tenant_id", "actor_id"])
    op.create_index("ix_events_tenant_subject", "events", ["tenant_id", "subject_id"])
    op.create_table(
        "audit_heads",
        sa.Column("tenant_id", sa.String(256), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_audit_heads"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("tenant_id", sa.String(256), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("mac", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "seq", name="pk_audit_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_heads")
    op.drop_index("ix_events_tenant_subject", table_name="events")
    op.drop_index("ix_events_tenant_actor", table_name="events")
    op.drop_index("ix_events_tenant_time", table_name="events")
    op.drop_index("ix_events_tenant_type_seq", table_name="events")
    op.drop_table("events")
