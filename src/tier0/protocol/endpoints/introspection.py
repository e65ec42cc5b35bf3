"""Token introspection (RFC 7662; OA-08).

RFC 7662 §2.1: "To prevent token scanning attacks, the endpoint MUST also require some form
of authorization to access this endpoint"; tier0 requires client authentication by a
confidential client. §4: "the authorization server SHOULD ... determine whether the
protected resource is allowed to know about the token": a client only learns about tokens
issued to itself; for any other token (another client's, unknown, expired, revoked) the
answer is the same ``{"active": false}`` (§2.2: "the authorization server MUST return an
introspection response with the "active" field set to "false"" and "SHOULD NOT include any
additional information about an inactive token").
"""

from __future__ import annotations

from typing import Any

from tier0.domain import Tenant
from tier0.protocol import params
from tier0.protocol.client_auth import ClientAuthenticator
from tier0.protocol.client_authentication import (
    BasicCredentials,
    ClientAuthMethod,
    parse_client_authentication,
)
from tier0.protocol.endpoints.lookup import TokenLookup
from tier0.protocol.endpoints.urls import TenantUrls
from tier0.protocol.errors import InvalidClient
from tier0.protocol.params import RawParams

__all__ = ["IntrospectionEndpoint"]

INACTIVE: dict[str, Any] = {"active": False}


class IntrospectionEndpoint:
    """``POST /t/{tenant}/oauth/introspect``."""

    def __init__(self, authenticator: ClientAuthenticator, lookup: TokenLookup) -> None:
        self._authenticator = authenticator
        self._lookup = lookup

    async def handle(
        self,
        tenant: Tenant,
        urls: TenantUrls,
        raw: RawParams,
        authorization: str | BasicCredentials | None,
        ip: str,
    ) -> dict[str, Any]:
        presented = parse_client_authentication(raw, authorization)
        if presented.method is ClientAuthMethod.NONE:
            raise InvalidClient("Introspection requires client authentication.")
        client = await self._authenticator.authenticate(
            tenant, presented, audiences=urls.assertion_audiences(urls.introspection), ip=ip
        )
        token = params.required(raw, "token")
        params.single(raw, "token_type_hint")  # validated; both kinds are always tried
        found = await self._lookup.find(tenant, urls.issuer, token)
        if found is None or not found.active or found.client_id != client.client_id:
            return dict(INACTIVE)
        return {"active": True, **found.claims}
