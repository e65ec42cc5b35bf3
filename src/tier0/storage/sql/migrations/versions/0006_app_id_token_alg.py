"""Applications choose the JWS algorithm of their ID tokens.

OIDC Dynamic Client Registration §2 ``id_token_signed_response_alg``: RS256 unless the
client registered another of the tenant's signing algorithms. Existing rows keep NULL,
read as RS256, so nothing changes for them.

Revision ID: 0006_app_id_token_alg
Revises: 0004_tenant_rls
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_app_id_token_alg"
down_revision: str | Sequence[str] | None = "0004_tenant_rls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("id_token_alg", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("id_token_alg")
