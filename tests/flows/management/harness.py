"""A management API caller for tests: a tenant, an M2M application granted the management
API, and access tokens signed with the tenant's active signing key from the key service.

The tokens have the RFC 9068 shape the token endpoint issues for client credentials
(``typ`` at+jwt, ``iss`` the tenant issuer, ``aud`` the management API, ``client_id``,
``sub`` = client id, ``jti``, ``scope``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from tier0.audit.changes import ChangedBy
from tier0.clock import epoch
from tier0.container import Container
from tier0.crypto.random import random_id
from tier0.domain import AppType, Tenant
from tier0.domain.grants import Grant, RefreshToken
from tier0.jose import sign_jwt
from tier0.jose.typ import TYP_ACCESS_TOKEN
from tier0.keys import SigningKey
from tier0.management.scopes import SCOPE_VALUES, management_audience
from tier0.protocol.grants.family import REFRESH_PURPOSE
from tier0.services.applications import ApplicationSpec


@dataclass
class Caller:
    """An M2M application of one tenant with a grant for the management API."""

    container: Container
    tenant: Tenant
    client_id: str
    signing_key: SigningKey
    client_secret: str = field(repr=False)

    @property
    def issuer(self) -> str:
        return self.container.settings.tenant_base_url(self.tenant.name)

    @property
    def base(self) -> str:
        return f"/t/{self.tenant.name}/api/v2"

    def token(self, scopes: Iterable[str] = SCOPE_VALUES, **overrides: Any) -> str:
        now = epoch(self.container.clock.now())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.client_id,
            "aud": management_audience(self.issuer),
            "client_id": self.client_id,
            "iat": now,
            "exp": now + 600,
            "jti": secrets.token_urlsafe(16),
            "scope": " ".join(sorted(scopes)),
        }
        claims.update(overrides)
        return sign_jwt(claims, private_jwk=self.signing_key.private_jwk, typ=TYP_ACCESS_TOKEN)

    async def issued(self, http: httpx.AsyncClient, scopes: Iterable[str] | None = None) -> str:
        """A real access token from the tenant's token endpoint (client credentials)."""
        form = {
            "grant_type": "client_credentials",
            "audience": management_audience(self.issuer),
            **({"scope": " ".join(sorted(scopes))} if scopes is not None else {}),
        }
        response = await http.post(
            f"/t/{self.tenant.name}/oauth/token",
            data=form,
            auth=(self.client_id, self.client_secret),
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def issued_headers(
        self, http: httpx.AsyncClient, scopes: Iterable[str] | None = None
    ) -> dict[str, str]:
        return {"authorization": f"Bearer {await self.issued(http, scopes)}"}

    def headers(self, scopes: Iterable[str] = SCOPE_VALUES, **overrides: Any) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(scopes, **overrides)}"}


async def make_caller(
    container: Container,
    name: str,
    scopes: Iterable[str] = SCOPE_VALUES,
    *,
    tenant: Tenant | None = None,
) -> Caller:
    """A new tenant (or ``tenant``) with an M2M app granted ``scopes`` of its management
    API."""
    tenant = tenant or await container.tenants.create(name, by=ChangedBy.cli())
    name = tenant.name
    app = await container.applications.create(
        tenant,
        ApplicationSpec(name="admin-robot", app_type=AppType.NON_INTERACTIVE),
        by=ChangedBy.cli(),
    )
    audience = management_audience(container.settings.tenant_base_url(name))
    await container.client_grants.create(
        tenant, app.application.client_id, audience, sorted(scopes), by=ChangedBy.cli()
    )
    signer = await container.keys.signer(tenant.id)
    assert app.client_secret is not None
    return Caller(container, tenant, app.application.client_id, signer, app.client_secret)


async def signed_in(
    container: Container, tenant: Tenant, user_id: str, client_id: str
) -> tuple[str, str]:
    """A live sign-in session of the user and a refresh-token family issued from it, stored
    as the login and token endpoint store them (keyed hashes only); returns their ids."""
    session = (await container.sessions.start(tenant, user_id, amr=("pwd",))).session
    now = container.clock.now()
    grant = Grant(
        tenant_id=tenant.id,
        id=random_id("grt_"),
        client_id=client_id,
        user_id=user_id,
        scope=("openid", "offline_access"),
        audience=None,
        session_id=session.sid,
        created_at=now,
    )
    key = await container.keyring.hash_key(tenant.id)
    token = RefreshToken(
        tenant_id=tenant.id,
        token_hash=key.digest(secrets.token_urlsafe(32), purpose=REFRESH_PURPOSE),
        grant_id=grant.id,
        client_id=grant.client_id,
        user_id=user_id,
        scope=grant.scope,
        created_at=now,
        expires_at=now + timedelta(days=30),
        idle_expires_at=now + timedelta(days=15),
    )
    async with container.db.transaction() as uow:
        await uow.grants.add(grant)
        await uow.refresh_tokens.add(token)
    return session.sid, grant.id


def later(container: Container, seconds: int) -> None:
    """Move the test clock forward (tests use FrozenClock)."""
    clock = container.clock
    advance = getattr(clock, "advance", None)
    assert advance is not None, "tests run on a FrozenClock"
    advance(timedelta(seconds=seconds))
