"""The token endpoint (RFC 6749 §3.2, §5): the ordered steps of one request.

1. parse (single values, known grant type: ``invalid_request``/``unsupported_grant_type``);
2. authenticate the client (``invalid_client``, OA-09);
3. the client must be registered for the grant (``unauthorized_client``, OA-11);
4. the grant's own module does the rest.
"""

from __future__ import annotations

from tier0.domain import Tenant
from tier0.protocol.checks.grant_types import check_grant_allowed
from tier0.protocol.client_auth import ClientAuthenticator
from tier0.protocol.client_authentication import BasicCredentials
from tier0.protocol.endpoints.urls import TenantUrls
from tier0.protocol.grants.base import GrantContext, TokenResponse
from tier0.protocol.grants.registry import GrantRegistry
from tier0.protocol.params import RawParams
from tier0.protocol.requests import parse_token_request

__all__ = ["TokenEndpoint"]


class TokenEndpoint:
    """``POST /t/{tenant}/oauth/token``."""

    def __init__(self, authenticator: ClientAuthenticator, grants: GrantRegistry) -> None:
        self._authenticator = authenticator
        self._grants = grants

    @property
    def grant_types(self) -> tuple[str, ...]:
        return self._grants.grant_types

    async def handle(
        self,
        tenant: Tenant,
        urls: TenantUrls,
        raw: RawParams,
        authorization: str | BasicCredentials | None,
        ip: str,
    ) -> TokenResponse:
        request = parse_token_request(raw, authorization)
        grant = self._grants.get(request.grant_type)
        client = await self._authenticator.authenticate(
            tenant, request.client, audiences=urls.assertion_audiences(urls.token), ip=ip
        )
        check_grant_allowed(request.grant_type, client.grant_types)
        return await grant.handle(request, GrantContext(tenant, urls.issuer, client))
