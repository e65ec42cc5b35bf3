"""Per-tenant attack-protection policies and brute-force unblock tickets.

Both tables are tenant-scoped and get the row-level-security policy of ``0004_tenant_rls``
(AC-02, second layer on PostgreSQL).

Revision ID: 0005_protection_policies
Revises: 0004_tenant_rls
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005_protection_policies"
down_revision: str | Sequence[str] | None = "0004_tenant_rls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("attack_protection_policies", "unblock_tickets")
POLICY = "tier0_tenant_isolation"
_SCOPED = (
    "coalesce(current_setting('tier0.tenant_id', true), '') = '' "
    "OR tenant_id = current_setting('tier0.tenant_id', true)"
)
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, length: int) -> sa.Column[str]:
    referred = target.split(".")[0]
    return sa.Column(
        column,
        sa.String(length),
        sa.ForeignKey(target, ondelete="CASCADE", name=f"fk_{table}_{column}_{referred}"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "attack_protection_policies",
        _fk("attack_protection_policies", "tenant_id", "tenants.id", 40),
        sa.Column("brute_force", _JSON, nullable=True),
        sa.Column("suspicious_ip", _JSON, nullable=True),
        sa.Column("breached_password", _JSON, nullable=True),
        sa.Column("rate_limits", _JSON, nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_attack_protection_policies"),
    )
    op.create_table(
        "unblock_tickets",
        _fk("unblock_tickets", "tenant_id", "tenants.id", 40),
        sa.Column("ticket_hash", sa.String(64), nullable=False),
        _fk("unblock_tickets", "user_id", "users.user_id", 64),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("used_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "ticket_hash", name="pk_unblock_tickets"),
    )
    op.create_index("ix_unblock_tickets_user_id", "unblock_tickets", ["user_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({_SCOPED}) WITH CHECK ({_SCOPED})")


def downgrade() -> None:
    op.drop_table("unblock_tickets")
    op.drop_table("attack_protection_policies")
