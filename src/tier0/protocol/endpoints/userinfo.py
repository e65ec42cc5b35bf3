"""The UserInfo endpoint (OIDC Core §5.3; OA-12, JW-03).

OIDC Core §5.3.1: "The Access Token obtained from an OpenID Connect Authentication Request
MUST be sent as a Bearer Token, per Section 2 of OAuth 2.0 Bearer Token Usage" — in the
``Authorization`` header or the form body, never the query (RFC 6750 §5.3; OA-12).
Only our RFC 9068 access tokens whose audience includes ``{issuer}/userinfo`` and which
were granted ``openid`` are accepted; an ID token (``typ: JWT``) never is (JW-03). A token
of a revoked grant or a blocked user is ``invalid_token`` (SE-05).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tier0.domain import Tenant
from tier0.protocol.bearer import TokenScheme, parse_access_token
from tier0.protocol.checks.scope import has_openid, parse_scope
from tier0.protocol.endpoints.lookup import TokenLookup
from tier0.protocol.endpoints.urls import TenantUrls
from tier0.protocol.errors import InsufficientScope, InvalidScope, InvalidToken
from tier0.protocol.params import RawParams
from tier0.protocol.tokens.access_token import userinfo_audience
from tier0.protocol.tokens.id_token import user_claims
from tier0.protocol.tokens.verify import audiences_of
from tier0.storage.ports import Database

__all__ = ["UserinfoAccess", "UserinfoEndpoint"]


@dataclass(frozen=True, slots=True)
class UserinfoAccess:
    """A verified userinfo access token: whose claims it may read, and which."""

    subject: str
    scope: tuple[str, ...]


class UserinfoEndpoint:
    """``GET``/``POST /t/{tenant}/userinfo``, in two steps: :meth:`authenticate` verifies the
    token, :meth:`claims` reads the user. The caller counts the user's rate limit between
    them (AV-01): only a verified token names a user, so a forged one cannot spend a real
    user's budget, and a refused request costs no user read."""

    def __init__(self, db: Database, lookup: TokenLookup) -> None:
        self._db = db
        self._lookup = lookup

    async def authenticate(
        self,
        tenant: Tenant,
        urls: TenantUrls,
        authorization: str | None,
        query: RawParams,
        body: RawParams | None,
    ) -> UserinfoAccess | None:
        """The verified access; ``None`` when no token was presented at all (the caller
        then answers with a bare challenge, RFC 6750 §3.1)."""
        presented = parse_access_token(authorization, query, body)
        if presented is None:
            return None
        if presented.scheme is not TokenScheme.BEARER:
            raise InvalidToken("Only Bearer access tokens are accepted here.")
        found = await self._lookup.find(tenant, urls.issuer, presented.token)
        if found is None or found.kind != "access_token" or not found.active:
            raise InvalidToken()
        if userinfo_audience(urls.issuer) not in audiences_of(found.claims):
            raise InvalidToken("The access token is not for the userinfo endpoint.")
        try:
            scope = parse_scope(found.claims.get("scope"))
        except InvalidScope:
            raise InvalidToken() from None
        if not has_openid(scope):
            raise InsufficientScope("The access token lacks the openid scope.")
        return UserinfoAccess(str(found.claims["sub"]), scope)

    async def claims(self, tenant: Tenant, access: UserinfoAccess) -> dict[str, Any]:
        """The user's claims for the access's scope."""
        async with self._db.read() as uow:
            user = await uow.users.get(tenant.id, access.subject)
        if user is None or user.blocked:
            raise InvalidToken()
        return {"sub": user.user_id, **user_claims(user, access.scope)}
