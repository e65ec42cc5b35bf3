"""OAuth artefacts (grants, codes, refresh tokens, sessions, replay cache) and per-tenant
settings.

Revision ID: 0002_oauth_artifacts
Revises: 0001_directory
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002_oauth_artifacts"
down_revision: str | Sequence[str] | None = "0001_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _when(nullable: bool = False, name: str = "") -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, length: int) -> sa.Column[str]:
    referred = target.split(".")[0]
    return sa.Column(
        column,
        sa.String(length),
        sa.ForeignKey(target, ondelete="CASCADE", name=f"fk_{table}_{column}_{referred}"),
        nullable=False,
    )


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("settings", JSON, nullable=False, server_default="{}"))
    op.create_table(
        "grants",
        sa.Column("id", sa.String(40), nullable=False),
        _fk("grants", "tenant_id", "tenants.id", 40),
        _fk("grants", "client_id", "applications.client_id", 64),
        _fk("grants", "user_id", "users.user_id", 64),
        sa.Column("scope", JSON, nullable=False),
        sa.Column("audience", sa.String(600), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=True),
        _when(name="created_at"),
        _when(True, "revoked_at"),
        sa.PrimaryKeyConstraint("id", name="pk_grants"),
    )
    op.create_index("ix_grants_tenant_user", "grants", ["tenant_id", "user_id"])
    op.create_index("ix_grants_client_id", "grants", ["client_id"])
    op.create_table(
        "authorization_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        _fk("authorization_codes", "tenant_id", "tenants.id", 40),
        _fk("authorization_codes", "grant_id", "grants.id", 40),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("redirect_uri", sa.String(2048), nullable=False),
        sa.Column("scope", JSON, nullable=False),
        sa.Column("audience", sa.String(600), nullable=True),
        sa.Column("nonce", sa.String(512), nullable=True),
        sa.Column("code_challenge", sa.String(128), nullable=True),
        sa.Column("code_challenge_method", sa.String(10), nullable=True),
        _when(True, "auth_time"),
        sa.Column("amr", JSON, nullable=False),
        sa.Column("acr", sa.String(255), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("dpop_jkt", sa.String(64), nullable=True),
        _when(name="created_at"),
        _when(name="expires_at"),
        _when(True, "consumed_at"),
        sa.PrimaryKeyConstraint("code_hash", name="pk_authorization_codes"),
    )
    op.create_index("ix_authorization_codes_tenant_id", "authorization_codes", ["tenant_id"])
    op.create_index("ix_authorization_codes_grant_id", "authorization_codes", ["grant_id"])
    op.create_index("ix_authorization_codes_expires_at", "authorization_codes", ["expires_at"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        _fk("refresh_tokens", "tenant_id", "tenants.id", 40),
        _fk("refresh_tokens", "grant_id", "grants.id", 40),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("scope", JSON, nullable=False),
        sa.Column("audience", sa.String(600), nullable=True),
        sa.Column("parent_hash", sa.String(64), nullable=True),
        _when(name="created_at"),
        _when(name="expires_at"),
        _when(name="idle_expires_at"),
        _when(True, "consumed_at"),
        _when(True, "revoked_at"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_refresh_tokens"),
    )
    op.create_index("ix_refresh_tokens_tenant_user", "refresh_tokens", ["tenant_id", "user_id"])
    op.create_index("ix_refresh_tokens_grant_id", "refresh_tokens", ["grant_id"])
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        _fk("sessions", "tenant_id", "tenants.id", 40),
        sa.Column("sid", sa.String(64), nullable=False),
        _fk("sessions", "user_id", "users.user_id", 64),
        _when(name="auth_time"),
        sa.Column("amr", JSON, nullable=False),
        sa.Column("acr", sa.String(255), nullable=True),
        _when(name="created_at"),
        _when(name="last_seen_at"),
        _when(name="idle_expires_at"),
        _when(name="expires_at"),
        _when(True, "ended_at"),
        sa.PrimaryKeyConstraint("id_hash", name="pk_sessions"),
        sa.UniqueConstraint("sid", name="uq_sessions_sid"),
    )
    op.create_index("ix_sessions_tenant_user", "sessions", ["tenant_id", "user_id"])
    op.create_table(
        "replay_cache",
        _fk("replay_cache", "tenant_id", "tenants.id", 40),
        sa.Column("key_hash", sa.String(64), nullable=False),
        _when(name="expires_at"),
        sa.PrimaryKeyConstraint("tenant_id", "key_hash", name="pk_replay_cache"),
    )
    op.create_index("ix_replay_cache_expires_at", "replay_cache", ["expires_at"])


def downgrade() -> None:
    for table in ("replay_cache", "sessions", "refresh_tokens", "authorization_codes", "grants"):
        op.drop_table(table)
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("settings")
