"""Email-verification and password-reset tickets (keyed hashes only), with tenant RLS.

Revision ID: 0005_lifecycle_account_tickets
Revises: 0004_tenant_rls
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_lifecycle_account_tickets"
down_revision: str | Sequence[str] | None = "0004_tenant_rls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "account_tickets"
POLICY = "tier0_tenant_isolation"
_SCOPED = (
    "coalesce(current_setting('tier0.tenant_id', true), '') = '' "
    "OR tenant_id = current_setting('tier0.tenant_id', true)"
)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("ticket_hash", sa.String(64), nullable=False),
        sa.Column(
            "tenant_id",
            sa.String(40),
            sa.ForeignKey(
                "tenants.id", ondelete="CASCADE", name="fk_account_tickets_tenant_id_tenants"
            ),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.String(64),
            sa.ForeignKey(
                "users.user_id", ondelete="CASCADE", name="fk_account_tickets_user_id_users"
            ),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("ticket_hash", name="pk_account_tickets"),
    )
    op.create_index("ix_account_tickets_user", TABLE, ["tenant_id", "user_id", "purpose"])
    op.create_index("ix_account_tickets_expires_at", TABLE, ["expires_at"])
    if op.get_bind().dialect.name == "postgresql":
        # The same tenant isolation as 0004_tenant_rls gives the directory tables.
        op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {TABLE} USING ({_SCOPED}) WITH CHECK ({_SCOPED})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {TABLE}")
    op.drop_index("ix_account_tickets_expires_at", table_name=TABLE)
    op.drop_index("ix_account_tickets_user", table_name=TABLE)
    op.drop_table(TABLE)
