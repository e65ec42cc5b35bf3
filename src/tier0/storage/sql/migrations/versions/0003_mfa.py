"""MFA factors (sealed TOTP seeds, last used step) and recovery-code hashes.

Revision ID: 0003_mfa
Revises: 0002_oauth_artifacts
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_mfa"
down_revision: str | Sequence[str] | None = "0002_oauth_artifacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
        "mfa_factors",
        sa.Column("id", sa.String(40), nullable=False),
        _fk("mfa_factors", "tenant_id", "tenants.id", 40),
        _fk("mfa_factors", "user_id", "users.user_id", 64),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mfa_factors"),
    )
    op.create_index("ix_mfa_factors_user_id", "mfa_factors", ["user_id"])
    op.create_table(
        "mfa_recovery_codes",
        _fk("mfa_recovery_codes", "tenant_id", "tenants.id", 40),
        sa.Column("code_hash", sa.String(64), nullable=False),
        _fk("mfa_recovery_codes", "user_id", "users.user_id", 64),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "code_hash", name="pk_mfa_recovery_codes"),
    )
    op.create_index("ix_mfa_recovery_codes_user_id", "mfa_recovery_codes", ["user_id"])


def downgrade() -> None:
    op.drop_table("mfa_recovery_codes")
    op.drop_table("mfa_factors")
