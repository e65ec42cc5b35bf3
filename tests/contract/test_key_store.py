"""Contract suite for the KeyStore port (JW-04), on every backend: SQLite always,
PostgreSQL when TIER0_TEST_POSTGRES_URL is set."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.errors import Conflict
from tier0.keys.model import KeyState
from tier0.keys.store import StoredSigningKey
from tier0.storage.sql.engine import session_of
from tier0.storage.sql.repos.signing_keys import SqlKeyStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def stored(tenant_id: str, kid: str, *, state: KeyState = KeyState.NEXT) -> StoredSigningKey:
    return StoredSigningKey(
        tenant_id=tenant_id,
        kid=kid,
        alg="ES256",
        state=state,
        created_at=NOW,
        activated_at=NOW if state is KeyState.ACTIVE else None,
        retired_at=None,
        not_after=None,
        public_jwk={"kty": "EC", "crv": "P-256", "x": "x", "y": "y", "kid": kid},
        sealed_private_jwk=b"\x01sealed-" + kid.encode(),
    )


async def _tenant(container: Container) -> str:
    return (await container.tenants.create(unique(), by=ChangedBy.cli())).id


async def test_add_list_update_delete(container: Container) -> None:
    tenant_id = await _tenant(container)
    first, second = stored(tenant_id, unique("k")), stored(tenant_id, unique("k"))
    second = replace(second, created_at=NOW + timedelta(seconds=1))
    async with container.db.transaction() as uow:
        store = SqlKeyStore(session_of(uow))
        await store.lock(tenant_id)
        await store.add(second)
        await store.add(first)
    async with container.db.read() as uow:
        listed = await SqlKeyStore(session_of(uow)).list(tenant_id)
    assert listed == [first, second]  # oldest first, every field round-trips
    assert listed[0].sealed_private_jwk == first.sealed_private_jwk

    later = NOW + timedelta(hours=1)
    retired = replace(
        first, state=KeyState.RETIRED, activated_at=NOW, retired_at=later, not_after=later
    )
    async with container.db.transaction() as uow:
        store = SqlKeyStore(session_of(uow))
        # update touches the lifecycle only: the sealed key and public JWK stay as stored
        await store.update(replace(retired, sealed_private_jwk=b"other", public_jwk={}))
        assert await store.delete(tenant_id, []) == 0
    async with container.db.read() as uow:
        (got, _) = await SqlKeyStore(session_of(uow)).list(tenant_id)
    assert got == retired
    assert got.sealed_private_jwk == first.sealed_private_jwk

    async with container.db.transaction() as uow:
        assert await SqlKeyStore(session_of(uow)).delete(tenant_id, [first.kid]) == 1
    async with container.db.read() as uow:
        assert [k.kid for k in await SqlKeyStore(session_of(uow)).list(tenant_id)] == [second.kid]


async def test_keys_are_tenant_scoped(container: Container) -> None:
    a, b = await _tenant(container), await _tenant(container)
    key = stored(a, unique("k"), state=KeyState.ACTIVE)
    async with container.db.transaction() as uow:
        await SqlKeyStore(session_of(uow)).add(key)
    async with container.db.transaction() as uow:
        store = SqlKeyStore(session_of(uow))
        assert await store.list(b) == []
        assert await store.delete(b, [key.kid]) == 0  # another tenant cannot remove it
        await store.update(replace(key, tenant_id=b, state=KeyState.NEXT))  # nor change it
    async with container.db.read() as uow:
        assert await SqlKeyStore(session_of(uow)).list(a) == [key]


async def test_jw04_kids_are_unique(container: Container) -> None:
    tenant_id = await _tenant(container)
    kid = unique("k")
    async with container.db.transaction() as uow:
        await SqlKeyStore(session_of(uow)).add(stored(tenant_id, kid))
    with pytest.raises(Conflict):
        async with container.db.transaction() as uow:
            await SqlKeyStore(session_of(uow)).add(stored(tenant_id, kid))


async def test_keys_go_with_their_tenant(container: Container) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    async with container.db.transaction() as uow:
        await SqlKeyStore(session_of(uow)).add(stored(tenant.id, unique("k")))
    await container.tenants.delete(tenant.name, by=ChangedBy.cli())
    async with container.db.read() as uow:
        assert await SqlKeyStore(session_of(uow)).list(tenant.id) == []
