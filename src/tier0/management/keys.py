"""Where the management API gets the keys it verifies bearer tokens with.

A narrow port, so the API depends on "the tenant's published signing keys" and not on how
the key service stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from tier0.domain import Tenant
from tier0.services.keys import KeyService


class VerificationKeys(Protocol):
    """The public JWKs a tenant's access tokens may be signed with (its published JWKS)."""

    async def verification_keys(self, tenant: Tenant) -> Sequence[Mapping[str, Any]]: ...


class KeyServiceVerificationKeys:
    """The tenant's published JWKS from the key service (what `/.well-known/jwks.json`
    serves): active, next and not yet expired retired keys, public halves only."""

    def __init__(self, keys: KeyService) -> None:
        self._keys = keys

    async def verification_keys(self, tenant: Tenant) -> Sequence[Mapping[str, Any]]:
        return (await self._keys.jwks(tenant.id))["keys"]
