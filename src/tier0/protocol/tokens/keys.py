"""Where token signing keys come from, and a short-lived cache in front of it.

The key service (:class:`tier0.services.keys.KeyService`) reads the tenant's keys and opens
the private half on every call. Minting a token per request that way costs a database read
and an AES-GCM decryption; the cache keeps the opened signer (and the published JWKS) for a
few seconds. Entries are also tied to the shared directory generation (see
``tier0.cache.generations``): a rotation committed on any node changes it, so every node
signs with, and publishes, the new key set on its next request. Without a shared generation
(or while it cannot be read) the window is ``ttl``, kept short on purpose: after an emergency
rotation a withdrawn key may still sign or verify for at most that long (the JWKS itself is
cached by relying parties for far longer, see ``jwks_cache_ttl``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from tier0.clock import Clock
from tier0.jose import JwtSigner
from tier0.keys.model import SigningKey
from tier0.single_flight import SingleFlight

__all__ = ["CachedSigningKeys", "Jwks", "SigningKeys", "TokenSigners"]

#: Imported signers kept per kid; a tenant has a handful of keys, so this bounds many tenants.
_MAX_SIGNERS = 1024

#: A JWK Set document (RFC 7517 §5).
Jwks = dict[str, list[dict[str, Any]]]


class SigningKeys(Protocol):
    """The tenant signing keys port (implemented by the key service)."""

    async def signer(self, tenant_id: str, alg: str | None = None) -> SigningKey: ...

    async def jwks(self, tenant_id: str) -> Jwks: ...


class TokenSigners(Protocol):
    """Ready-to-use signers for the tenant's active keys (what minting needs)."""

    async def jwt_signer(self, tenant_id: str, alg: str) -> JwtSigner: ...


class CachedSigningKeys:
    """Caches signers and JWKS documents per tenant for ``ttl`` (by the injected clock),
    and only while ``generation()`` still answers what it did when they were loaded."""

    def __init__(
        self,
        source: SigningKeys,
        clock: Clock,
        ttl: timedelta,
        *,
        generation: Callable[[], Awaitable[int | None]] | None = None,
    ) -> None:
        self._source = source
        self._clock = clock
        self._ttl = ttl
        self._generation = generation
        self._signers: dict[tuple[str, str | None], tuple[datetime, int | None, SigningKey]] = {}
        self._jwks: dict[str, tuple[datetime, int | None, Jwks]] = {}
        self._imported: dict[tuple[str, str], JwtSigner] = {}
        self._signer_loads: SingleFlight[SigningKey] = SingleFlight()
        self._jwks_loads: SingleFlight[Jwks] = SingleFlight()

    async def _now_and_generation(self) -> tuple[datetime, int | None]:
        generation = None if self._generation is None else await self._generation()
        return self._clock.now(), generation

    async def signer(self, tenant_id: str, alg: str | None = None) -> SigningKey:
        entry = (tenant_id, alg)
        now, generation = await self._now_and_generation()
        cached = self._signers.get(entry)
        if cached is not None and now < cached[0] and cached[1] == generation:
            return cached[2]
        # One load per entry and generation: when it expires under load, every request in
        # flight misses at once, and each opened a database session (16 connections: 16
        # loads, most on new overflow connections).
        key = await self._signer_loads.run(
            (entry, generation), lambda: self._source.signer(tenant_id, alg)
        )
        self._signers[entry] = (now + self._ttl, generation, key)
        return key

    async def jwt_signer(self, tenant_id: str, alg: str) -> JwtSigner:
        """The active key for ``alg`` as a :class:`JwtSigner`, imported once per kid (an
        RSA import validates the private key and costs more than many signatures)."""
        key = await self.signer(tenant_id, alg)
        signer = self._imported.get((tenant_id, key.kid))
        if signer is None:
            if len(self._imported) >= _MAX_SIGNERS:
                self._imported.clear()
            signer = JwtSigner(key.private_jwk)
            self._imported[(tenant_id, key.kid)] = signer
        return signer

    async def jwks(self, tenant_id: str) -> Jwks:
        now, generation = await self._now_and_generation()
        cached = self._jwks.get(tenant_id)
        if cached is not None and now < cached[0] and cached[1] == generation:
            return cached[2]
        document = await self._jwks_loads.run(
            (tenant_id, generation), lambda: self._source.jwks(tenant_id)
        )
        self._jwks[tenant_id] = (now + self._ttl, generation, document)
        return document

    def forget(self, tenant_id: str) -> None:
        """Drop a tenant's cached keys (after a rotation in this process)."""
        self._jwks.pop(tenant_id, None)
        for entry in [k for k in self._signers if k[0] == tenant_id]:
            del self._signers[entry]
        for imported in [k for k in self._imported if k[0] == tenant_id]:
            del self._imported[imported]
