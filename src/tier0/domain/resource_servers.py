"""APIs (Auth0 resource servers): the audiences access tokens are minted for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SIGNING_ALGS = ("RS256", "ES256", "PS256", "EdDSA")
"""Access-token signing algorithms an API may choose. RS256 is the default; never HS*."""

TOKEN_DIALECTS = ("rfc9068_profile", "rfc9068_profile_authz")
"""Access-token profiles (Auth0's `token_dialect`): RFC 9068, optionally with `permissions`."""

MAX_TOKEN_LIFETIME = 2_592_000
"""Auth0's upper bound for an API access token lifetime (30 days)."""


@dataclass(frozen=True, slots=True)
class ApiScope:
    """A permission an API defines (Auth0 `scopes[{value, description}]`)."""

    value: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class ResourceServer:
    """An API. `identifier` is the audience; it is immutable once created."""

    tenant_id: str
    id: str
    name: str
    identifier: str
    scopes: tuple[ApiScope, ...] = ()
    signing_alg: str = "RS256"
    token_lifetime: int = 600
    allow_offline_access: bool = False
    enforce_policies: bool = False
    token_dialect: str = "rfc9068_profile"  # noqa: S105 (a profile name)
    is_system: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def scope_values(self) -> tuple[str, ...]:
        return tuple(scope.value for scope in self.scopes)
