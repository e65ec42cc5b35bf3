"""Resource servers (APIs) and client grants."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from tier0.domain.resource_servers import MAX_TOKEN_LIFETIME
from tier0.management.schemas.common import (
    NO_CONTROL,
    Name,
    ObjectId,
    Out,
    PageInfo,
    ScopeToken,
    Strict,
)

SigningAlg = Literal["RS256", "ES256", "PS256", "EdDSA"]
Dialect = Literal["rfc9068_profile", "rfc9068_profile_authz"]
Lifetime = Annotated[int, Field(ge=60, le=MAX_TOKEN_LIFETIME)]
Identifier = Annotated[str, Field(min_length=1, max_length=600, pattern=NO_CONTROL)]


class ScopeIn(Strict):
    value: ScopeToken
    description: Annotated[str, Field(max_length=500, pattern=NO_CONTROL)] = ""


class ScopeOut(Out):
    value: str
    description: str


Scopes = Annotated[list[ScopeIn], Field(max_length=500)]


class ResourceServerCreate(Strict):
    name: Name
    identifier: Identifier
    scopes: Scopes = Field(default_factory=list)
    signing_alg: SigningAlg = "RS256"
    token_lifetime: Lifetime = 600
    allow_offline_access: bool = False
    enforce_policies: bool = False
    token_dialect: Dialect = "rfc9068_profile"  # noqa: S105 (a profile name)


class ResourceServerUpdate(Strict):
    """The `identifier` (audience) never changes."""

    name: Name | None = None
    scopes: Scopes | None = None
    signing_alg: SigningAlg | None = None
    token_lifetime: Lifetime | None = None
    allow_offline_access: bool | None = None
    enforce_policies: bool | None = None
    token_dialect: Dialect | None = None


class ResourceServerOut(Out):
    id: str
    name: str
    identifier: str
    is_system: bool
    scopes: list[ScopeOut]
    signing_alg: str
    token_lifetime: int
    allow_offline_access: bool
    enforce_policies: bool
    token_dialect: str
    created_at: str | None
    updated_at: str | None


class ResourceServersPage(PageInfo):
    resource_servers: list[ResourceServerOut]


GrantScopes = Annotated[list[ScopeToken], Field(max_length=500)]


class ClientGrantCreate(Strict):
    client_id: ObjectId
    audience: Identifier
    scope: GrantScopes = Field(default_factory=list)


class ClientGrantUpdate(Strict):
    scope: GrantScopes


class ClientGrantOut(Out):
    id: str
    client_id: str
    audience: str
    scope: list[str]
    created_at: str | None


class ClientGrantsPage(PageInfo):
    client_grants: list[ClientGrantOut]
