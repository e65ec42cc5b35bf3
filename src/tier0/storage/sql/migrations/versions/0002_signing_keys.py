"""Signing keys of tenants (JW-04): lifecycle state and the sealed private JWK.

Revision ID: 0002_signing_keys
Revises: 0001_directory
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002_signing_keys"
down_revision: str | Sequence[str] | None = "0001_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column(
            "tenant_id",
            sa.String(40),
            sa.ForeignKey(
                "tenants.id", ondelete="CASCADE", name="fk_signing_keys_tenant_id_tenants"
            ),
            nullable=False,
        ),
        sa.Column("alg", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("public_jwk", JSON, nullable=False),
        sa.Column("private_jwk", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("kid", name="pk_signing_keys"),
    )
    op.create_index("ix_signing_keys_tenant_id", "signing_keys", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_signing_keys_tenant_id", table_name="signing_keys")
    op.drop_table("signing_keys")
