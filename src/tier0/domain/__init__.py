"""The core model: frozen dataclasses shared by services, storage and the protocol core.

Nothing here imports a framework or a database driver.
"""

from tier0.domain.applications import Application, AppType, AuthMethod
from tier0.domain.client_grants import ClientGrant
from tier0.domain.resource_servers import ApiScope, ResourceServer
from tier0.domain.roles import Permission, Role
from tier0.domain.tenants import Tenant
from tier0.domain.users import User

__all__ = [
    "ApiScope",
    "AppType",
    "Application",
    "AuthMethod",
    "ClientGrant",
    "Permission",
    "ResourceServer",
    "Role",
    "Tenant",
    "User",
]
