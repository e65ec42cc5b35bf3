"""End-user RBAC: roles carrying permissions on APIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, order=True)
class Permission:
    """A scope of an API granted through a role or directly (Auth0's permission object)."""

    resource_server_identifier: str
    permission_name: str


@dataclass(frozen=True, slots=True)
class Role:
    """A named set of permissions that users can be assigned."""

    tenant_id: str
    id: str
    name: str
    description: str = ""
    created_at: datetime | None = None
