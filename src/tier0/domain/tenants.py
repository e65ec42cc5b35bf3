"""Tenants: isolated identity domains (an Auth0 tenant, a Keycloak realm)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tier0.errors import InvalidInput

# A tenant name is a URL path segment (`/t/{name}`) and may become a DNS label, so it follows
# the DNS label rules: lowercase letters, digits and inner hyphens, 3 to 63 characters.
TENANT_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")


def validate_tenant_name(name: str) -> str:
    """Return ``name`` if it is a valid tenant name, else raise :class:`InvalidInput`."""
    if not TENANT_NAME.fullmatch(name):
        raise InvalidInput(
            "tenant name must be 3-63 characters of lowercase letters, digits and inner hyphens"
        )
    return name


@dataclass(frozen=True, slots=True)
class Tenant:
    """A tenant: its own users, applications, APIs, keys and settings."""

    id: str
    name: str
    display_name: str
    created_at: datetime
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Per-tenant overrides by feature (e.g. `sessions`, `password_policy`), JSON-shaped."""
