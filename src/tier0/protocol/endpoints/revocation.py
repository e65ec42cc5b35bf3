"""Token revocation (RFC 7009; OA-08).

RFC 7009 §2.1: the client authenticates, then "If the particular token is a refresh token
and the authorization server supports the revocation of access tokens, then the
authorization server SHOULD also invalidate all access tokens based on the same
authorization grant". tier0 revokes the whole grant family for either kind of token: the
refresh tokens and, through the grant id every access token carries, the access tokens
(introspection and /userinfo then say they are inactive).

§2.2: "The authorization server responds with HTTP status code 200 if the token has been
revoked successfully or if the client submitted an invalid token." tier0 also answers 200,
and changes nothing, for a token issued to another client: telling the caller it belongs to
someone else would confirm that it is live. Client-credentials access tokens have no grant
and are self-contained; they expire with their (short) lifetime.
"""

from __future__ import annotations

from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.protocol import params
from tier0.protocol.client_auth import ClientAuthenticator
from tier0.protocol.client_authentication import BasicCredentials, parse_client_authentication
from tier0.protocol.endpoints.lookup import TokenLookup
from tier0.protocol.endpoints.urls import TenantUrls
from tier0.protocol.events import TokenEvents
from tier0.protocol.grants.family import revoke_family
from tier0.protocol.params import RawParams
from tier0.storage.ports import Database

__all__ = ["RevocationEndpoint"]


class RevocationEndpoint:
    """``POST /t/{tenant}/oauth/revoke``."""

    def __init__(
        self,
        authenticator: ClientAuthenticator,
        lookup: TokenLookup,
        db: Database,
        clock: Clock,
        events: TokenEvents,
    ) -> None:
        self._authenticator = authenticator
        self._lookup = lookup
        self._db = db
        self._clock = clock
        self._events = events

    async def handle(
        self,
        tenant: Tenant,
        urls: TenantUrls,
        raw: RawParams,
        authorization: str | BasicCredentials | None,
        ip: str,
    ) -> bool:
        """Revoke if the token is the caller's; True when something was revoked."""
        presented = parse_client_authentication(raw, authorization)
        client = await self._authenticator.authenticate(
            tenant, presented, audiences=urls.assertion_audiences(urls.revocation), ip=ip
        )
        token = params.required(raw, "token")
        params.single(raw, "token_type_hint")  # validated; both kinds are always tried
        found = await self._lookup.find(tenant, urls.issuer, token)
        if found is None or found.client_id != client.client_id or found.grant_id is None:
            return False
        async with self._db.transaction() as uow:
            await revoke_family(uow, tenant.id, found.grant_id, self._clock.now())
            await self._events.record(
                uow,
                EventType.REFRESH_TOKEN_REVOKED,
                tenant_id=tenant.id,
                client_id=client.client_id,
                user_id=None,
                grant_id=found.grant_id,
                details={"token_kind": found.kind},
            )
        return True
