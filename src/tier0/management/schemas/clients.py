"""Applications (Auth0 clients). A secret appears only in the create and rotate answers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from tier0.management.schemas.common import Name, Out, PageInfo, Strict, Url

AppTypeName = Literal["spa", "native", "regular_web", "non_interactive"]
GrantTypeName = Literal["authorization_code", "refresh_token", "client_credentials"]
AuthMethodName = Literal["none", "client_secret_post", "client_secret_basic"]
Urls = Annotated[list[Url], Field(max_length=100)]
#: OIDC Dynamic Client Registration §2 ``id_token_signed_response_alg`` (Auth0 calls it
#: ``jwt_configuration.alg``); asymmetric only.
IdTokenAlgName = Literal["RS256", "ES256", "PS256", "EdDSA"]


class ClientCreate(Strict):
    name: Name
    app_type: AppTypeName = "regular_web"
    is_first_party: bool = True
    callbacks: Urls = Field(default_factory=list)
    allowed_logout_urls: Urls = Field(default_factory=list)
    web_origins: Urls = Field(default_factory=list)
    grant_types: Annotated[list[GrantTypeName], Field(max_length=3)] | None = None
    token_endpoint_auth_method: AuthMethodName | None = None
    id_token_signed_response_alg: IdTokenAlgName = "RS256"  # noqa: S105 - not a secret


class ClientUpdate(Strict):
    """`app_type` and `token_endpoint_auth_method` are fixed at creation."""

    name: Name | None = None
    is_first_party: bool | None = None
    callbacks: Urls | None = None
    allowed_logout_urls: Urls | None = None
    web_origins: Urls | None = None
    grant_types: Annotated[list[GrantTypeName], Field(max_length=3)] | None = None
    id_token_signed_response_alg: IdTokenAlgName | None = None


class ClientOut(Out):
    client_id: str
    name: str
    app_type: str
    is_first_party: bool
    callbacks: list[str]
    allowed_logout_urls: list[str]
    web_origins: list[str]
    grant_types: list[str]
    token_endpoint_auth_method: str
    id_token_signed_response_alg: str
    created_at: str | None
    updated_at: str | None


class ClientWithSecret(ClientOut):
    """Returned once, at creation or rotation; store the secret now, it is never shown again."""

    client_secret: str | None = None


class ClientsPage(PageInfo):
    clients: list[ClientOut]
