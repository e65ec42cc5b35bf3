"""The signing-key cache loads an expired entry once, however many requests miss it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.keys.model import SigningKey


async def test_concurrent_misses_share_one_load(container: Container, clock: FrozenClock) -> None:
    tenant = await container.tenants.create("keys-sf", by=ChangedBy.cli())
    await container.keys.ensure(tenant.id, ["ES256"], by=ChangedBy.cli())
    cache = container.oauth.keys
    source = cache._source  # the key service: count its reads, delegate every one
    loads: list[str] = []
    real = source.signer

    async def counted(tenant_id: str, alg: str | None = None) -> SigningKey:
        loads.append(tenant_id)
        return await real(tenant_id, alg)

    source.signer = counted  # type: ignore[method-assign]
    for _ in range(2):  # cold, then expired
        signers = await asyncio.gather(*(cache.jwt_signer(tenant.id, "ES256") for _ in range(16)))
        assert len({id(s) for s in signers}) == 1
        clock.advance(timedelta(seconds=60))
    assert len(loads) == 2
