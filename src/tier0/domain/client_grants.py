"""Client grants: which application may get which scopes of which API without a user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ClientGrant:
    """Auth0's client grant: `client_id` may use client credentials for `audience`."""

    tenant_id: str
    id: str
    client_id: str
    audience: str
    scope: tuple[str, ...] = ()
    created_at: datetime | None = None
