"""Per-user data keys (crypto-shredding of one user): ``user_wrap_keys`` and ``user_keys``,
with the tenant row-level-security policy on both (as in 0004_tenant_rls).

Revision ID: 0005_privacy_user_keys
Revises: 0004_tenant_rls
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_privacy_user_keys"
down_revision: str | Sequence[str] | None = "0004_tenant_rls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("user_wrap_keys", "user_keys")
POLICY = "tier0_tenant_isolation"
_SCOPED = (
    "coalesce(current_setting('tier0.tenant_id', true), '') = '' "
    "OR tenant_id = current_setting('tier0.tenant_id', true)"
)


def upgrade() -> None:
    op.create_table(
        "user_wrap_keys",
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_user_wrap_keys_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "version", name="pk_user_wrap_keys"),
    )
    op.create_table(
        "user_keys",
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.Column("wrap_version", sa.Integer(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_user_keys_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "wrap_version"],
            ["user_wrap_keys.tenant_id", "user_wrap_keys.version"],
            name="fk_user_keys_tenant_id_user_wrap_keys",
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_keys"),
    )
    op.create_index("ix_user_keys_tenant_id", "user_keys", ["tenant_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({_SCOPED}) WITH CHECK ({_SCOPED})")


def downgrade() -> None:
    op.drop_index("ix_user_keys_tenant_id", table_name="user_keys")
    op.drop_table("user_keys")
    op.drop_table("user_wrap_keys")
