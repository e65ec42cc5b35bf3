"""Who may call the management API: bearer access tokens for the tenant's management API.

Deny by default (AC-01): every router of the API depends on :func:`principal`, and every
operation names the one scope it needs with :func:`require` (which FastAPI also writes into
the OpenAPI document, where the scope-matrix test reads it). A token is accepted only if

- it arrives in the ``Authorization: Bearer`` header (never the query, RFC 6750 §5.3);
- it verifies with one of the tenant's published signing keys, an allow-listed asymmetric
  alg, ``typ`` ``at+jwt`` (RFC 9068 §4: resource servers "MUST verify that the typ header
  value is at+jwt"), ``iss`` equal to the tenant of the URL and ``aud`` its management API
  (AC-02: the tenant comes from the URL and must match the token's issuer);
- the application still holds a client grant for the management API. Scopes are the
  token's ``scope`` intersected with that grant, so deleting or narrowing a grant takes
  effect at once rather than when the token expires.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuth2 as OAuth2Model
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import SecurityScopes
from fastapi.security.base import SecurityBase
from starlette.requests import HTTPConnection

from tier0.domain import Tenant
from tier0.jose import InvalidJwt, verify_jwt
from tier0.jose.algorithms import SIGNING_ALGS
from tier0.jose.typ import TYP_ACCESS_TOKEN
from tier0.management.errors import InsufficientScope, InvalidToken, MissingToken
from tier0.management.scopes import MANAGEMENT_SCOPES, management_audience
from tier0.management.step_up import require_recent
from tier0.protocol.bearer import TokenScheme, parse_access_token
from tier0.protocol.errors import OAuthError
from tier0.storage.sql.tenant_scope import tenant_scope
from tier0.web.deps import container_of, path_tenant

SCHEME_NAME = "managementToken"
#: RFC 9068 §2.2 names these REQUIRED in a JWT access token.
REQUIRED_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified management caller: an application acting on one tenant."""

    tenant: Tenant
    client_id: str
    scopes: frozenset[str]
    #: When the client last authenticated at the token endpoint (the token's ``iat``).
    issued_at: int = 0


class ManagementBearer(SecurityBase):
    """Reads the bearer token and documents the client-credentials flow in OpenAPI."""

    def __init__(self) -> None:
        flows = OAuthFlows(
            clientCredentials=OAuthFlowClientCredentials(
                tokenUrl="/oauth/token",  # rewritten per tenant when the document is served
                scopes={s.value: s.description for s in MANAGEMENT_SCOPES},
            )
        )
        self.model = OAuth2Model(
            flows=flows,
            description="An access token from the tenant's client-credentials grant with "
            "audience `{issuer}/api/v2/`, sent as `Authorization: Bearer`.",
        )
        self.scheme_name = SCHEME_NAME

    async def __call__(self, request: HTTPConnection) -> str:
        try:
            presented = parse_access_token(
                request.headers.get("authorization"), dict(request.query_params.multi_items())
            )
        except OAuthError:
            raise InvalidToken() from None
        if presented is None:
            raise MissingToken()
        if presented.scheme is not TokenScheme.BEARER:
            raise InvalidToken()  # DPoP-bound tokens need a proof this API does not take
        return presented.token


bearer = ManagementBearer()


async def management_tenant(request: Request) -> Tenant:
    """The tenant named in ``/t/{tenant}/api/v2/...`` (a mount path parameter)."""
    return await path_tenant(request, str(request.path_params.get("tenant", "")))


async def principal(
    request: Request,
    token: str = Depends(bearer),
    tenant: Tenant = Depends(management_tenant),
) -> Principal:
    """Verify the bearer token for the tenant of the URL (AC-01, AC-02)."""
    container = container_of(request)
    issuer = container.settings.tenant_base_url(tenant.name)
    audience = management_audience(issuer)
    keys = await container.verification_keys.verification_keys(tenant)
    try:
        claims = verify_jwt(
            token,
            keys=keys,
            allowed_algs=SIGNING_ALGS,
            expected_typ=TYP_ACCESS_TOKEN,
            issuer=issuer,
            audience=audience,
            clock=container.clock,
            required=REQUIRED_CLAIMS,
        )
    except InvalidJwt:
        raise InvalidToken() from None
    client_id, scope, iat = claims.get("client_id"), claims.get("scope", ""), claims.get("iat")
    if not isinstance(client_id, str) or not isinstance(scope, str):
        raise InvalidToken()
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise InvalidToken()
    grant = await container.client_grants.find(tenant, client_id, audience)
    if grant is None:
        raise InvalidToken()  # the application lost its grant since the token was issued
    scopes = frozenset(scope.split()) & frozenset(grant.scope)
    return Principal(tenant, client_id, scopes, issued_at=int(iat))


async def scoped_principal(
    caller: Principal = Depends(principal),
) -> AsyncIterator[Principal]:
    """The caller, with every database transaction of the request scoped to its tenant, so
    PostgreSQL's row-level security hides other tenants' rows (AC-02, second layer)."""
    with tenant_scope(caller.tenant.id):
        yield caller


async def _authorize(
    security_scopes: SecurityScopes, caller: Principal = Depends(principal)
) -> Principal:
    needed = security_scopes.scopes
    if not needed or not caller.scopes.intersection(needed):
        raise InsufficientScope(" ".join(needed) or "a declared scope")
    return caller


def require(scope: str, *, step_up: bool = False) -> Any:
    """The one scope an operation needs, declared as
    ``caller: Annotated[Principal, require("read:users")]``; FastAPI runs the check and
    writes the scope into the operation's OpenAPI security requirement. ``step_up`` marks a
    privileged operation that also needs a recently issued token (AC-05, see
    :mod:`tier0.management.step_up`)."""
    return Security(_authorize_fresh if step_up else _authorize, scopes=[scope])


async def _authorize_fresh(request: Request, caller: Principal = Depends(_authorize)) -> Principal:
    await require_recent(request, caller)
    return caller
