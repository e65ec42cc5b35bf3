"""A management API caller for tests: a tenant, an M2M application granted the management
API, and access tokens signed with a tenant signing key the API verifies against.

The tokens have the RFC 9068 shape the token endpoint issues for client credentials
(``typ`` at+jwt, ``iss`` the tenant issuer, ``aud`` the management API, ``client_id``,
``sub`` = client id, ``jti``, ``scope``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tier0.clock import Clock, epoch
from tier0.container import Container
from tier0.domain import AppType, Tenant
from tier0.jose import sign_jwt
from tier0.jose.typ import TYP_ACCESS_TOKEN
from tier0.keys import KeyState, SigningKey, new_signing_key
from tier0.management.scopes import SCOPE_VALUES, management_audience
from tier0.services.applications import ApplicationSpec


@dataclass
class TenantKeys:
    """Signing keys per tenant, standing in for the key service's published JWKS."""

    clock: Clock
    keys: dict[str, SigningKey] = field(default_factory=dict)

    def key_for(self, tenant: Tenant) -> SigningKey:
        if tenant.id not in self.keys:
            self.keys[tenant.id] = new_signing_key("ES256", KeyState.ACTIVE, self.clock.now())
        return self.keys[tenant.id]

    async def verification_keys(self, tenant: Tenant) -> Sequence[Mapping[str, Any]]:
        key = self.keys.get(tenant.id)
        return [key.public_jwk] if key else []


def install_keys(container: Container) -> TenantKeys:
    keys = TenantKeys(container.clock)
    container.verification_keys = keys
    return keys


@dataclass
class Caller:
    """An M2M application of one tenant with a grant for the management API."""

    container: Container
    keys: TenantKeys
    tenant: Tenant
    client_id: str

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
        key = self.keys.key_for(self.tenant)
        return sign_jwt(claims, private_jwk=key.private_jwk, typ=TYP_ACCESS_TOKEN)

    def headers(self, scopes: Iterable[str] = SCOPE_VALUES, **overrides: Any) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(scopes, **overrides)}"}


async def make_caller(
    container: Container, keys: TenantKeys, name: str, scopes: Iterable[str] = SCOPE_VALUES
) -> Caller:
    """A new tenant with an M2M app granted ``scopes`` of its management API."""
    tenant = await container.tenants.create(name)
    app = await container.applications.create(
        tenant, ApplicationSpec(name="admin-robot", app_type=AppType.NON_INTERACTIVE)
    )
    audience = management_audience(container.settings.tenant_base_url(name))
    await container.client_grants.create(
        tenant, app.application.client_id, audience, sorted(scopes)
    )
    keys.key_for(tenant)
    return Caller(container, keys, tenant, app.application.client_id)


def later(container: Container, seconds: int) -> None:
    """Move the test clock forward (tests use FrozenClock)."""
    clock = container.clock
    advance = getattr(clock, "advance", None)
    assert advance is not None, "tests run on a FrozenClock"
    advance(timedelta(seconds=seconds))
