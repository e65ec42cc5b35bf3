"""Minting the tokens of a grant: audience, algorithm and lifetime come from the API.

OA-12: the access token's ``aud`` is the API identifier (RFC 8707 / RFC 9068 §3); when
``openid`` was granted the tenant's ``{issuer}/userinfo`` is added, as Auth0 does, so the
same token can call /userinfo. Without an API the token is for /userinfo only, signed with
the tenant's default algorithm (a tenant setting, else the deployment's). ID tokens
are signed with the client's ``id_token_signed_response_alg`` (OIDC Dynamic Client
Registration §2: "The default, if omitted, is RS256", the algorithm every relying party
supports, OIDC Core §15.1).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tier0.clock import Clock
from tier0.domain import Permission, ResourceServer, User
from tier0.domain.tenant_settings import tenant_signing_alg
from tier0.protocol.checks.scope import OIDC_SCOPES, has_openid
from tier0.protocol.grants.base import GrantContext, TokenPolicy
from tier0.protocol.tokens.access_token import (
    AccessTokenSpec,
    IssuedAccessToken,
    mint_access_token,
    userinfo_audience,
)
from tier0.protocol.tokens.id_token import IdTokenSpec, mint_id_token
from tier0.protocol.tokens.keys import TokenSigners

__all__ = [
    "AUTHZ_DIALECT",
    "IdTokenFacts",
    "TokenMinter",
    "needs_permissions",
    "permission_claim",
    "rbac_scope",
]

AUTHZ_DIALECT = "rfc9068_profile_authz"


def needs_permissions(api: ResourceServer | None) -> bool:
    """Whether the user's permissions matter for this API (RBAC on, or a token dialect that
    lists them); otherwise the lookup is skipped."""
    return api is not None and (api.enforce_policies or api.token_dialect == AUTHZ_DIALECT)


def rbac_scope(
    scope: Sequence[str], api: ResourceServer | None, permissions: Collection[Permission]
) -> tuple[str, ...]:
    """With RBAC on (``enforce_policies``) an API scope survives only if the user holds it
    as a permission (Auth0: "scope = requested ∩ user permissions"); OIDC scopes stay."""
    if api is None or not api.enforce_policies:
        return tuple(scope)
    held = {
        p.permission_name for p in permissions if p.resource_server_identifier == api.identifier
    }
    return tuple(s for s in scope if s in OIDC_SCOPES or s in held)


def permission_claim(
    api: ResourceServer | None, permissions: Collection[Permission]
) -> list[str] | None:
    """``permissions`` for the ``rfc9068_profile_authz`` dialect, else ``None``."""
    if api is None or api.token_dialect != AUTHZ_DIALECT:
        return None
    return sorted(
        {p.permission_name for p in permissions if p.resource_server_identifier == api.identifier}
    )


@dataclass(frozen=True, slots=True)
class IdTokenFacts:
    """What an ID token states about the authentication (from the code or session)."""

    user: User
    auth_time: datetime | None
    nonce: str | None = None
    acr: str | None = None
    amr: tuple[str, ...] = ()
    sid: str | None = field(default=None)


class TokenMinter:
    """Signs access and ID tokens for grants."""

    def __init__(self, keys: TokenSigners, clock: Clock, policy: TokenPolicy) -> None:
        self._keys = keys
        self._clock = clock
        self._policy = policy

    async def access_token(
        self,
        context: GrantContext,
        *,
        subject: str,
        api: ResourceServer | None,
        scope: tuple[str, ...],
        grant_id: str | None = None,
        auth_time: datetime | None = None,
        permissions: list[str] | None = None,
    ) -> IssuedAccessToken:
        audience: tuple[str, ...] = (api.identifier,) if api is not None else ()
        if api is None or has_openid(scope):
            audience = (*audience, userinfo_audience(context.issuer))
        if api is not None:
            alg = api.signing_alg
        else:
            alg = tenant_signing_alg(
                context.tenant, self._policy.default_signing_alg, self._clock.now()
            )
        spec = AccessTokenSpec(
            tenant_id=context.tenant.id,
            issuer=context.issuer,
            subject=subject,
            client_id=context.client.client_id,
            audience=audience,
            scope=scope,
            lifetime=self._policy.access_token_lifetime(api.token_lifetime if api else None),
            signing_alg=alg,
            grant_id=grant_id,
            auth_time=auth_time,
            permissions=permissions,
        )
        signer = await self._keys.jwt_signer(context.tenant.id, alg)
        return mint_access_token(spec, signer=signer, now=self._clock.now())

    async def id_token(
        self,
        context: GrantContext,
        facts: IdTokenFacts,
        *,
        scope: tuple[str, ...],
        access_token: str,
    ) -> str:
        spec = IdTokenSpec(
            tenant_id=context.tenant.id,
            issuer=context.issuer,
            client_id=context.client.client_id,
            user=facts.user,
            scope=scope,
            lifetime=min(self._policy.id_token_lifetime, self._policy.max_token_lifetime),
            auth_time=facts.auth_time,
            nonce=facts.nonce,
            access_token=access_token,
            acr=facts.acr,
            amr=facts.amr,
            sid=facts.sid,
            signing_alg=context.client.id_token_signed_response_alg,
        )
        signer = await self._keys.jwt_signer(context.tenant.id, spec.signing_alg)
        return mint_id_token(spec, signer=signer, now=self._clock.now())
