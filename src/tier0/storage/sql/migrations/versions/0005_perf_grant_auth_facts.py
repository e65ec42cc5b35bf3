"""Grants remember the sign-in behind them (auth_time, acr, amr).

A refresh of a grant with the ``openid`` scope returns a fresh ID token, and OIDC Core §12.2
requires its ``auth_time`` to be that of the original authentication, not the refresh.
Grants made before this revision have none and keep refreshing without an ID token.

Revision ID: 0005_perf_grant_auth_facts
Revises: 0004_tenant_rls
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

JSON = sa.JSON().with_variant(JSONB(), "postgresql")

revision: str = "0005_perf_grant_auth_facts"
down_revision: str | Sequence[str] | None = "0004_tenant_rls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("grants") as batch:
        batch.add_column(sa.Column("auth_time", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("acr", sa.String(255), nullable=True))
        batch.add_column(sa.Column("amr", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grants") as batch:
        batch.drop_column("amr")
        batch.drop_column("acr")
        batch.drop_column("auth_time")
