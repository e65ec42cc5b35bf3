"""WebAuthn credentials (passkeys) and email one-time codes, with tenant isolation.

Revision ID: 0005_mfa_passkeys
Revises: 0004_tenant_rls
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005_mfa_passkeys"
down_revision: str | Sequence[str] | None = "0004_tenant_rls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TABLES = ("mfa_passkeys", "mfa_email_codes")
POLICY = "tier0_tenant_isolation"
_SCOPED = (
    "coalesce(current_setting('tier0.tenant_id', true), '') = '' "
    "OR tenant_id = current_setting('tier0.tenant_id', true)"
)


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
        "mfa_passkeys",
        sa.Column("id", sa.String(40), nullable=False),
        _fk("mfa_passkeys", "tenant_id", "tenants.id", 40),
        _fk("mfa_passkeys", "user_id", "users.user_id", 64),
        # WebAuthn L2 §5.8.7 allows credential ids up to 1023 bytes: 1364 base64url chars.
        sa.Column("credential_id", sa.String(1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", JSON, nullable=False),
        sa.Column("aaguid", sa.String(36), nullable=False),
        sa.Column("backed_up", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mfa_passkeys"),
        sa.UniqueConstraint(
            "tenant_id", "credential_id", name="uq_mfa_passkeys_tenant_id_credential_id"
        ),
    )
    op.create_index("ix_mfa_passkeys_user_id", "mfa_passkeys", ["user_id"])
    op.create_table(
        "mfa_email_codes",
        _fk("mfa_email_codes", "tenant_id", "tenants.id", 40),
        _fk("mfa_email_codes", "user_id", "users.user_id", 64),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_mfa_email_codes"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY {POLICY} ON {table} USING ({_SCOPED}) WITH CHECK ({_SCOPED})"
            )


def downgrade() -> None:
    op.drop_table("mfa_email_codes")
    op.drop_index("ix_mfa_passkeys_user_id", table_name="mfa_passkeys")
    op.drop_table("mfa_passkeys")
