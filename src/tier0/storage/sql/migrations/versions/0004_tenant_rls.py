"""PostgreSQL row-level security on the directory tables (AC-02, second layer).

Each table gets a policy that shows and accepts only rows of the tenant named by the
transaction-local setting ``tier0.tenant_id``, and everything when the setting is empty
(unscoped work: the CLI, migrations, cross-tenant jobs). FORCE makes the policy bind the
table owner too, since tier0 usually runs as the role that owns its tables. SQLite has no
row-level security; there the repositories' tenant filters are the only layer.

Revision ID: 0004_tenant_rls
Revises: 0002_oauth_artifacts, 0002_password_history, 0002_signing_keys, 0003_log_streams
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_tenant_rls"
down_revision: str | Sequence[str] | None = (
    "0002_oauth_artifacts",
    "0002_password_history",
    "0002_signing_keys",
    "0003_log_streams",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("applications", "resource_servers", "client_grants", "users", "roles")
POLICY = "tier0_tenant_isolation"
_SCOPED = (
    "coalesce(current_setting('tier0.tenant_id', true), '') = '' "
    "OR tenant_id = current_setting('tier0.tenant_id', true)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({_SCOPED}) WITH CHECK ({_SCOPED})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
