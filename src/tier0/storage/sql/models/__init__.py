"""All tables. Each feature keeps its tables in its own module; import it here so that
migrations and metadata comparisons see every table."""

from tier0.storage.sql.models.base import Base
from tier0.storage.sql.models.directory import (
    ApplicationRow,
    ClientGrantRow,
    ResourceServerRow,
    RolePermissionRow,
    RoleRow,
    TenantKeyRow,
    TenantRow,
    UserPermissionRow,
    UserRoleRow,
    UserRow,
)
from tier0.storage.sql.models.oauth import (
    AuthorizationCodeRow,
    GrantRow,
    RefreshTokenRow,
    ReplayRow,
    SessionRow,
)

__all__ = [
    "ApplicationRow",
    "AuthorizationCodeRow",
    "Base",
    "ClientGrantRow",
    "GrantRow",
    "RefreshTokenRow",
    "ReplayRow",
    "ResourceServerRow",
    "RolePermissionRow",
    "RoleRow",
    "SessionRow",
    "TenantKeyRow",
    "TenantRow",
    "UserPermissionRow",
    "UserRoleRow",
    "UserRow",
]
