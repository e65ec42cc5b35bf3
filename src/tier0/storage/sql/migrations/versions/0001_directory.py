"""The tenant directory: tenants, data keys, applications, APIs, client grants, users, RBAC.

Revision ID: 0001_directory
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001_directory"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _tenant_fk(table: str) -> sa.Column[str]:
    return sa.Column(
        "tenant_id",
        sa.String(40),
        sa.ForeignKey("tenants.id", ondelete="CASCADE", name=f"fk_{table}_tenant_id_tenants"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("name", name="uq_tenants_name"),
    )
    op.create_table(
        "tenant_keys",
        _tenant_fk("tenant_keys"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "version", name="pk_tenant_keys"),
    )
    op.create_table(
        "applications",
        sa.Column("client_id", sa.String(64), nullable=False),
        _tenant_fk("applications"),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("app_type", sa.String(20), nullable=False),
        sa.Column("token_endpoint_auth_method", sa.String(32), nullable=False),
        sa.Column("grant_types", JSON, nullable=False),
        sa.Column("callbacks", JSON, nullable=False),
        sa.Column("allowed_logout_urls", JSON, nullable=False),
        sa.Column("web_origins", JSON, nullable=False),
        sa.Column("is_first_party", sa.Boolean(), nullable=False),
        sa.Column("client_secret_hash", sa.String(128), nullable=True),
        sa.Column("jwks", JSON, nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_applications"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_applications_tenant_id_name"),
    )
    op.create_index("ix_applications_tenant_id", "applications", ["tenant_id"])
    op.create_table(
        "resource_servers",
        sa.Column("id", sa.String(40), nullable=False),
        _tenant_fk("resource_servers"),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("identifier", sa.String(600), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("signing_alg", sa.String(10), nullable=False),
        sa.Column("token_lifetime", sa.Integer(), nullable=False),
        sa.Column("allow_offline_access", sa.Boolean(), nullable=False),
        sa.Column("enforce_policies", sa.Boolean(), nullable=False),
        sa.Column("token_dialect", sa.String(40), nullable=False),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_resource_servers"),
        sa.UniqueConstraint(
            "tenant_id", "identifier", name="uq_resource_servers_tenant_id_identifier"
        ),
    )
    op.create_index("ix_resource_servers_tenant_id", "resource_servers", ["tenant_id"])
    op.create_table(
        "client_grants",
        sa.Column("id", sa.String(40), nullable=False),
        _tenant_fk("client_grants"),
        sa.Column(
            "client_id",
            sa.String(64),
            sa.ForeignKey(
                "applications.client_id",
                ondelete="CASCADE",
                name="fk_client_grants_client_id_applications",
            ),
            nullable=False,
        ),
        sa.Column(
            "resource_server_id",
            sa.String(40),
            sa.ForeignKey(
                "resource_servers.id",
                ondelete="CASCADE",
                name="fk_client_grants_resource_server_id_resource_servers",
            ),
            nullable=False,
        ),
        sa.Column("scope", JSON, nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_client_grants"),
        sa.UniqueConstraint(
            "client_id",
            "resource_server_id",
            name="uq_client_grants_client_id_resource_server_id",
        ),
    )
    op.create_index("ix_client_grants_tenant_id", "client_grants", ["tenant_id"])
    op.create_index("ix_client_grants_resource_server_id", "client_grants", ["resource_server_id"])
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(64), nullable=False),
        _tenant_fk("users"),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_normalized", sa.String(320), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("username", sa.String(128), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("given_name", sa.String(255), nullable=True),
        sa.Column("family_name", sa.String(255), nullable=True),
        sa.Column("nickname", sa.String(255), nullable=True),
        sa.Column("picture", sa.String(2048), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("user_metadata", JSON, nullable=False),
        sa.Column("app_metadata", JSON, nullable=False),
        sa.Column("password_hash", sa.String(1024), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.Column("last_login", _when(), nullable=True),
        sa.Column("logins_count", sa.Integer(), nullable=False),
        sa.Column("last_ip", sa.String(45), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name="pk_users"),
        sa.UniqueConstraint(
            "tenant_id", "email_normalized", name="uq_users_tenant_id_email_normalized"
        ),
        sa.UniqueConstraint("tenant_id", "username", name="uq_users_tenant_id_username"),
    )
    op.create_index("ix_users_tenant_id", "users", ["tenant_id"])
    op.create_table(
        "roles",
        sa.Column("id", sa.String(40), nullable=False),
        _tenant_fk("roles"),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.String(1024), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_roles_tenant_id_name"),
    )
    op.create_index("ix_roles_tenant_id", "roles", ["tenant_id"])
    _permission_table("role_permissions", "role_id", "roles.id")
    _permission_table("user_permissions", "user_id", "users.user_id")
    op.create_table(
        "user_roles",
        sa.Column(
            "user_id",
            sa.String(64),
            sa.ForeignKey("users.user_id", ondelete="CASCADE", name="fk_user_roles_user_id_users"),
            nullable=False,
        ),
        sa.Column(
            "role_id",
            sa.String(40),
            sa.ForeignKey("roles.id", ondelete="CASCADE", name="fk_user_roles_role_id_roles"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name="pk_user_roles"),
    )
    op.create_index("ix_user_roles_role_id", "user_roles", ["role_id"])


def _permission_table(table: str, owner: str, target: str) -> None:
    owner_type = sa.String(40) if owner == "role_id" else sa.String(64)
    referred = target.split(".")[0]
    op.create_table(
        table,
        sa.Column(
            owner,
            owner_type,
            sa.ForeignKey(target, ondelete="CASCADE", name=f"fk_{table}_{owner}_{referred}"),
            nullable=False,
        ),
        sa.Column(
            "resource_server_id",
            sa.String(40),
            sa.ForeignKey(
                "resource_servers.id",
                ondelete="CASCADE",
                name=f"fk_{table}_resource_server_id_resource_servers",
            ),
            nullable=False,
        ),
        sa.Column("permission_name", sa.String(280), nullable=False),
        sa.PrimaryKeyConstraint(owner, "resource_server_id", "permission_name", name=f"pk_{table}"),
    )


def downgrade() -> None:
    for table in (
        "user_roles",
        "user_permissions",
        "role_permissions",
        "roles",
        "users",
        "client_grants",
        "resource_servers",
        "applications",
        "tenant_keys",
        "tenants",
    ):
        op.drop_table(table)
