"""Where the management API gets the keys it verifies bearer tokens with.

A narrow port, so the API depends on "the tenant's published signing keys" and not on how
the key service stores them. The container wires the key service in; with none wired, no
key verifies anything and every call is refused (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from tier0.domain import Tenant


class VerificationKeys(Protocol):
    """The public JWKs a tenant's access tokens may be signed with (its published JWKS)."""

    async def verification_keys(self, tenant: Tenant) -> Sequence[Mapping[str, Any]]: ...


class NoVerificationKeys:
    """Used until a key service is wired: nothing verifies, so every token is refused."""

    async def verification_keys(self, tenant: Tenant) -> Sequence[Mapping[str, Any]]:
        return ()
