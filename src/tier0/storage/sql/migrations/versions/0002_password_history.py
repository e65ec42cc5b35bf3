"""Previous password hashes of users, for the password history policy.

Revision ID: 0002_password_history
Revises: 0001_directory
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_password_history"
down_revision: str | Sequence[str] | None = "0001_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "tenant_id",
            sa.String(40),
            sa.ForeignKey(
                "tenants.id", ondelete="CASCADE", name="fk_password_history_tenant_id_tenants"
            ),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.String(64),
            sa.ForeignKey(
                "users.user_id", ondelete="CASCADE", name="fk_password_history_user_id_users"
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_password_history"),
    )
    op.create_index(
        "ix_password_history_user", "password_history", ["tenant_id", "user_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_password_history_user", table_name="password_history")
    op.drop_table("password_history")
