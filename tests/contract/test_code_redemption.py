"""Contract suite for the CodeRedemption port (the code grant's two-round-trip write
transaction), on SQLite always and PostgreSQL in CI."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from tests.contract.test_oauth_store import NOW, _code, _refresh, _world
from tests.contract.test_refresh_rotation import _event
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.storage.sql.repos.redemption import SqlCodeRedemptions


@pytest.fixture
def redemptions(container: Container, plain_sqlite: bool) -> SqlCodeRedemptions:
    return SqlCodeRedemptions(container.one_hop, container.db.cipher, plain_sqlite=plain_sqlite)


async def test_oa06_one_redemption_wins_and_stores_its_refresh_token(
    container: Container, redemptions: SqlCodeRedemptions, prefix: str
) -> None:
    """Twenty parallel redemptions: one is first and commits its refresh token and event;
    the others see the consumed code; the audit chain stays intact (LG-03)."""
    tenant, _client, user, grant = await _world(container)
    async with container.db.transaction() as uow:
        await uow.codes.add(_code(grant, f"{prefix}code-1"))
    key = await container.audit.chain_key(tenant.id)

    async def redeem() -> bool:
        async with redemptions.transaction() as redemption:
            found = await redemption.consume(tenant.id, f"{prefix}code-1", NOW)
            assert found is not None and found.grant == grant and found.code.nonce == "n" * 64
            assert found.code == replace(_code(grant, f"{prefix}code-1"), consumed_at=NOW)
            if found.first_use:  # the user, read with the code
                assert await redemption.user(tenant.id, user.user_id) == user
            async with redemption.reads() as uow:  # the checks' reads, beside the write
                assert await uow.users.get(tenant.id, user.user_id) == user
            if found.first_use:
                event = _event(container, grant, EventType.AUTHORIZATION_CODE_REDEEMED)
                await redemption.redeem(_refresh(grant, f"{prefix}rt-first"), event, key)
            return found.first_use

    results = await asyncio.gather(*(redeem() for _ in range(20)))
    assert results.count(True) == 1
    async with container.db.read() as uow:
        stored = await uow.refresh_tokens.get(tenant.id, f"{prefix}rt-first")
    assert stored is not None and stored.grant_id == grant.id
    assert (await container.audit.verify(tenant.id)).ok


async def test_oa06_replay_revokes_the_family_and_a_rejection_keeps_the_code(
    container: Container, redemptions: SqlCodeRedemptions, prefix: str
) -> None:
    tenant, _client, _user, grant = await _world(container)
    async with container.db.transaction() as uow:
        await uow.codes.add(_code(grant, f"{prefix}code-2"))
        await uow.refresh_tokens.add(_refresh(grant, f"{prefix}rt-old"))
    async with redemptions.transaction() as redemption:  # a rejected attempt rolls back
        assert (await redemption.consume(tenant.id, f"{prefix}code-2", NOW)).first_use  # type: ignore[union-attr]
    async with redemptions.transaction() as redemption:
        assert (await redemption.consume(tenant.id, f"{prefix}code-2", NOW)).first_use  # type: ignore[union-attr]
        await redemption.redeem(
            None,
            _event(container, grant, EventType.AUTHORIZATION_CODE_REDEEMED),
            await container.audit.chain_key(tenant.id),
        )
    key = await container.audit.chain_key(tenant.id)
    async with redemptions.transaction() as redemption:
        again = await redemption.consume(tenant.id, f"{prefix}code-2", NOW)
        assert again is not None and not again.first_use
        event = _event(container, grant, EventType.AUTHORIZATION_CODE_REPLAYED)
        await redemption.revoke_family(tenant.id, grant.id, NOW, event, key)
    async with container.db.read() as uow:
        assert (await uow.refresh_tokens.get(tenant.id, f"{prefix}rt-old")).revoked_at == NOW  # type: ignore[union-attr]
    replayed = await container.audit.search(
        EventQuery(tenant.id, types=(EventType.AUTHORIZATION_CODE_REPLAYED,))
    )
    assert [e.event.id for e in replayed] == [event.id]
