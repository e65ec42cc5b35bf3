"""The client credentials grant (RFC 6749 §4.4): machine-to-machine access to an API.

RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential
clients" (the token endpoint has authenticated the client and checked that it may use this
grant). A token is only minted for an API the client holds a client grant for, and only
with scopes that grant lists (RFC 6749 §3.3, OA-08/OA-11: "invalid_scope" for more). The
API is named by ``audience`` (Auth0) or ``resource`` (RFC 8707); without one, a client with
exactly one client grant gets that API, otherwise ``invalid_target`` (RFC 8707 §2: the
server "MAY require clients to specify the resource(s) they intend to access and MAY fail
requests that omit the parameter with an invalid_target error").

No refresh token: RFC 6749 §4.4.3, "A refresh token SHOULD NOT be included."
"""

from __future__ import annotations

from typing import ClassVar

from tier0.domain import ClientGrant, ResourceServer
from tier0.protocol.checks.grant_types import GrantType
from tier0.protocol.checks.resource import select_audience
from tier0.protocol.checks.scope import require_scopes_allowed
from tier0.protocol.errors import InvalidTarget
from tier0.protocol.grants.base import GrantContext, TokenResponse
from tier0.protocol.grants.minting import AUTHZ_DIALECT, TokenMinter
from tier0.protocol.requests import TokenRequest
from tier0.storage.ports import DirectoryReads

__all__ = ["ClientCredentialsGrant", "client_subject"]


def client_subject(client_id: str) -> str:
    """``sub`` of a client's own token: Auth0's ``<client_id>@clients`` (RFC 9068 §5: it
    must never collide with a user identifier)."""
    return f"{client_id}@clients"


class ClientCredentialsGrant:
    """https://www.rfc-editor.org/rfc/rfc6749#section-4.4"""

    grant_type: ClassVar[GrantType] = GrantType.CLIENT_CREDENTIALS

    def __init__(self, directory: DirectoryReads, minter: TokenMinter) -> None:
        self._directory = directory
        self._minter = minter

    async def _lookup(
        self, request: TokenRequest, context: GrantContext
    ) -> tuple[ClientGrant, ResourceServer]:
        tenant_id, client_id = context.tenant.id, context.client.client_id
        grants = await self._directory.client_grants(tenant_id, client_id)
        by_audience = {grant.audience: grant for grant in grants}
        default = grants[0].audience if len(grants) == 1 else None
        audience = select_audience(request.audience, request.resource, by_audience.keys(), default)
        if audience is None:
            raise InvalidTarget("Name the API with the audience or resource parameter.")
        api = await self._directory.resource_server(tenant_id, audience)
        if api is None:
            raise InvalidTarget("The requested API is unknown.")
        return by_audience[audience], api

    async def handle(self, request: TokenRequest, context: GrantContext) -> TokenResponse:
        client_grant, api = await self._lookup(request, context)
        require_scopes_allowed(request.scope, client_grant.scope)
        scope = request.scope or tuple(client_grant.scope)
        permissions = list(scope) if api.token_dialect == AUTHZ_DIALECT else None
        issued = await self._minter.access_token(
            context,
            subject=client_subject(context.client.client_id),
            api=api,
            scope=scope,
            permissions=permissions,
        )
        return TokenResponse(issued.token, issued.expires_in, issued.scope)
