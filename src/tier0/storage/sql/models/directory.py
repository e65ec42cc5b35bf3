"""Tables of the tenant directory: tenants, their data keys, applications, APIs, client
grants, users, roles and permissions. Every row below `tenants` carries `tenant_id`, and
every query filters on it (tenant isolation, AC-02)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tier0.storage.sql.models.base import Base
from tier0.storage.sql.types import JsonType, UTCDateTime


def _tenant_fk() -> ForeignKey:
    return ForeignKey("tenants.id", ondelete="CASCADE")


class TenantRow(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settings: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class TenantKeyRow(Base):
    """A tenant's data-encryption key, wrapped by the KMS key-encryption key."""

    __tablename__ = "tenant_keys"
    tenant_id: Mapped[str] = mapped_column(_tenant_fk(), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    wrapped_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApplicationRow(Base):
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk(), index=True)
    name: Mapped[str] = mapped_column(String(255))
    app_type: Mapped[str] = mapped_column(String(20))
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    grant_types: Mapped[list[str]] = mapped_column(JsonType)
    callbacks: Mapped[list[str]] = mapped_column(JsonType)
    allowed_logout_urls: Mapped[list[str]] = mapped_column(JsonType)
    web_origins: Mapped[list[str]] = mapped_column(JsonType)
    is_first_party: Mapped[bool] = mapped_column(Boolean)
    client_secret_hash: Mapped[str | None] = mapped_column(String(128))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    # NULL: RS256 (rows from before 0006_app_id_token_alg).
    id_token_alg: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ResourceServerRow(Base):
    __tablename__ = "resource_servers"
    __table_args__ = (UniqueConstraint("tenant_id", "identifier"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk(), index=True)
    name: Mapped[str] = mapped_column(String(255))
    identifier: Mapped[str] = mapped_column(String(600))
    scopes: Mapped[list[dict[str, str]]] = mapped_column(JsonType)
    signing_alg: Mapped[str] = mapped_column(String(10))
    token_lifetime: Mapped[int] = mapped_column(Integer)
    allow_offline_access: Mapped[bool] = mapped_column(Boolean)
    enforce_policies: Mapped[bool] = mapped_column(Boolean)
    token_dialect: Mapped[str] = mapped_column(String(40))
    is_system: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClientGrantRow(Base):
    __tablename__ = "client_grants"
    __table_args__ = (UniqueConstraint("client_id", "resource_server_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk(), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("applications.client_id", ondelete="CASCADE"))
    resource_server_id: Mapped[str] = mapped_column(
        ForeignKey("resource_servers.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[list[str]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserRow(Base):
    """A user. Personal data is stored sealed (``*_ct``, DP-02); ``email_index`` is the
    HMAC blind index of the normalised email that sign-in and uniqueness use.

    The older plaintext columns stay (emptied) because dropping or renaming a column needs a
    table rebuild on SQLite, and its DROP TABLE would cascade into every row referencing a
    user. ``email_index`` therefore lives in the column once named ``email_normalized``.
    """

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email_normalized"),
        UniqueConstraint("tenant_id", "username"),
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk(), index=True)
    legacy_email: Mapped[str] = mapped_column("email", String(320))
    email_index: Mapped[str] = mapped_column("email_normalized", String(320))
    email_verified: Mapped[bool] = mapped_column(Boolean)
    username: Mapped[str | None] = mapped_column(String(128))
    legacy_name: Mapped[str | None] = mapped_column("name", String(255))
    legacy_given_name: Mapped[str | None] = mapped_column("given_name", String(255))
    legacy_family_name: Mapped[str | None] = mapped_column("family_name", String(255))
    legacy_nickname: Mapped[str | None] = mapped_column("nickname", String(255))
    legacy_picture: Mapped[str | None] = mapped_column("picture", String(2048))
    blocked: Mapped[bool] = mapped_column(Boolean)
    user_metadata: Mapped[dict[str, Any]] = mapped_column(JsonType)
    app_metadata: Mapped[dict[str, Any]] = mapped_column(JsonType)
    password_hash: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime())
    logins_count: Mapped[int] = mapped_column(Integer)
    legacy_last_ip: Mapped[str | None] = mapped_column("last_ip", String(45))
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    given_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    family_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    nickname_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    picture_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    last_ip_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class RoleRow(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk(), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RolePermissionRow(Base):
    __tablename__ = "role_permissions"
    role_id: Mapped[str] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    resource_server_id: Mapped[str] = mapped_column(
        ForeignKey("resource_servers.id", ondelete="CASCADE"), primary_key=True
    )
    permission_name: Mapped[str] = mapped_column(String(280), primary_key=True)


class UserRoleRow(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class UserPermissionRow(Base):
    """Permissions given to a user directly rather than through a role."""

    __tablename__ = "user_permissions"
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    resource_server_id: Mapped[str] = mapped_column(
        ForeignKey("resource_servers.id", ondelete="CASCADE"), primary_key=True
    )
    permission_name: Mapped[str] = mapped_column(String(280), primary_key=True)
