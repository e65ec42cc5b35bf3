"""Signing of privacy documents (destruction certificates, tenant archives).

Documents are compact JWS signed with the active signing key of the installation's default
tenant, so anyone can verify them against that tenant's published JWKS
(``{public_url}/t/{default}/.well-known/jwks.json``). The default tenant therefore cannot
itself be destroyed while it signs.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from tier0.audit.changes import ChangedBy
from tier0.clock import Clock
from tier0.jose.jwt import sign_jwt, verify_jwt
from tier0.services.keys import KeyService
from tier0.services.tenants import TenantService
from tier0.settings import Settings

ALLOWED_ALGS = frozenset({"RS256", "PS256", "ES256", "EdDSA"})
MAX_DOCUMENT_CHARS = 256 * 1024 * 1024
"""Largest signed document (archive, certificate) accepted for verification."""


class Notary:
    def __init__(
        self, settings: Settings, tenants: TenantService, keys: KeyService, clock: Clock
    ) -> None:
        self._settings = settings
        self._tenants = tenants
        self._keys = keys
        self._clock = clock

    @property
    def tenant_name(self) -> str:
        return self._settings.default_tenant

    @property
    def issuer(self) -> str:
        return self._settings.tenant_base_url(self.tenant_name)

    async def sign(self, claims: Mapping[str, Any], *, typ: str) -> str:
        """Sign ``claims`` (plus ``iss``, ``iat`` and a random ``jti``) as a compact JWS."""
        tenant, _created = await self._tenants.ensure(
            self.tenant_name, by=ChangedBy.system("notary")
        )
        key = await self._keys.signer(tenant.id)
        body = {
            **claims,
            "iss": self.issuer,
            "iat": int(self._clock.now().timestamp()),
            "jti": secrets.token_urlsafe(16),
        }
        return sign_jwt(body, private_jwk=key.private_jwk, typ=typ)

    async def jwks(self) -> Sequence[Mapping[str, Any]]:
        tenant = await self._tenants.get(self.tenant_name)
        return list((await self._keys.jwks(tenant.id))["keys"])

    async def verify(
        self, token: str, *, typ: str, keys: Sequence[Mapping[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Verify a document against ``keys`` (default: this installation's JWKS)."""
        trusted = keys if keys is not None else await self.jwks()
        return verify_jwt(
            token,
            keys=trusted,
            allowed_algs=ALLOWED_ALGS,
            expected_typ=typ,
            issuer=None,
            audience=None,
            clock=self._clock,
            required=("iat", "iss"),
            # A tenant archive carries users and the audit log: far above a token's size.
            max_chars=MAX_DOCUMENT_CHARS,
        )
