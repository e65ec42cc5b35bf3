"""Contract suite for the OAuth artefact ports (grants, codes, refresh tokens, sessions,
replay cache), on SQLite always and PostgreSQL in CI."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.domain import AppType, Tenant, User
from tier0.domain.grants import AuthorizationCode, Grant, RefreshToken, Session
from tier0.services.applications import ApplicationSpec
from tier0.services.users import UserSpec

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _world(c: Container) -> tuple[Tenant, str, User, Grant]:
    tenant = await c.tenants.create(unique(), by=ChangedBy.cli())
    app = await c.applications.create(
        tenant,
        ApplicationSpec("spa", AppType.SPA, callbacks=("https://app.test/cb",)),
        by=ChangedBy.cli(),
    )
    user = await c.users.create(
        tenant, UserSpec(email=f"{unique()}@example.com"), by=ChangedBy.cli()
    )
    grant = Grant(
        tenant_id=tenant.id,
        id="grt_" + unique(),
        client_id=app.application.client_id,
        user_id=user.user_id,
        scope=("openid", "offline_access"),
        audience="https://api.test",
        session_id="sid-1",
        created_at=NOW,
    )
    async with c.db.transaction() as uow:
        await uow.grants.add(grant)
    return tenant, app.application.client_id, user, grant


def _code(grant: Grant, code_hash: str) -> AuthorizationCode:
    return AuthorizationCode(
        tenant_id=grant.tenant_id,
        code_hash=code_hash,
        grant_id=grant.id,
        client_id=grant.client_id,
        user_id=grant.user_id,
        redirect_uri="https://app.test/cb",
        scope=grant.scope,
        audience=grant.audience,
        nonce="n" * 64,
        code_challenge="c" * 43,
        code_challenge_method="S256",
        auth_time=NOW,
        amr=("pwd",),
        created_at=NOW,
        expires_at=NOW + timedelta(seconds=60),
    )


def _refresh(grant: Grant, token_hash: str, parent: str | None = None) -> RefreshToken:
    return RefreshToken(
        tenant_id=grant.tenant_id,
        token_hash=token_hash,
        grant_id=grant.id,
        client_id=grant.client_id,
        user_id=grant.user_id,
        scope=grant.scope,
        audience=grant.audience,
        parent_hash=parent,
        created_at=NOW,
        expires_at=NOW + timedelta(days=30),
        idle_expires_at=NOW + timedelta(days=15),
    )


async def test_oa06_code_consumed_exactly_once_under_concurrency(container: Container) -> None:
    tenant, _client, _user, grant = await _world(container)
    async with container.db.transaction() as uow:
        await uow.codes.add(_code(grant, "code-hash-1"))

    async def redeem() -> bool | None:
        async with container.db.transaction() as uow:
            found = await uow.codes.consume(tenant.id, "code-hash-1", NOW)
        return None if found is None else found.first_use

    results = await asyncio.gather(*(redeem() for _ in range(20)))
    assert results.count(True) == 1 and results.count(False) == 19
    other = await container.tenants.create(unique(), by=ChangedBy.cli())
    async with container.db.transaction() as uow:
        again = await uow.codes.consume(tenant.id, "code-hash-1", NOW)
        assert again is not None and not again.first_use
        assert again.code.nonce == "n" * 64 and again.item.amr == ("pwd",)
        assert await uow.codes.consume(tenant.id, "unknown", NOW) is None
        assert await uow.codes.consume(other.id, "code-hash-1", NOW) is None


async def test_refresh_rotation_reuse_and_family_revocation(container: Container) -> None:
    tenant, _client, user, grant = await _world(container)
    async with container.db.transaction() as uow:
        await uow.refresh_tokens.add(_refresh(grant, "rt-1"))
    async with container.db.transaction() as uow:
        first = await uow.refresh_tokens.consume(tenant.id, "rt-1", NOW)
        assert first is not None and first.first_use
        await uow.refresh_tokens.add(_refresh(grant, "rt-2", parent="rt-1"))
    async with container.db.transaction() as uow:
        replay = await uow.refresh_tokens.consume(tenant.id, "rt-1", NOW)
        assert replay is not None and not replay.first_use
        assert await uow.refresh_tokens.revoke_family(tenant.id, grant.id, NOW) == 2
        assert await uow.grants.revoke(tenant.id, grant.id, NOW)
        assert not await uow.grants.revoke(tenant.id, grant.id, NOW)
    async with container.db.read() as uow:
        rt2 = await uow.refresh_tokens.get(tenant.id, "rt-2")
        assert rt2 is not None and rt2.revoked_at == NOW and rt2.parent_hash == "rt-1"
        stored_grant = await uow.grants.get(tenant.id, grant.id)
        assert stored_grant is not None and stored_grant.revoked_at == NOW
        assert await uow.refresh_tokens.list_for_user(tenant.id, user.user_id) == []


async def test_grants_per_user_and_revocation(container: Container) -> None:
    tenant, client_id, user, grant = await _world(container)
    async with container.db.read() as uow:
        assert [g.id for g in await uow.grants.list_for_user(tenant.id, user.user_id)] == [grant.id]
    async with container.db.transaction() as uow:
        assert await uow.grants.revoke_for_user(tenant.id, user.user_id, NOW, client_id="x") == 0
        assert (
            await uow.grants.revoke_for_user(tenant.id, user.user_id, NOW, client_id=client_id) == 1
        )
    async with container.db.read() as uow:
        assert await uow.grants.list_for_user(tenant.id, user.user_id) == []


async def test_sessions_lifecycle(container: Container) -> None:
    tenant, _client, user, _grant = await _world(container)
    session = Session(
        tenant_id=tenant.id,
        id_hash="sess-hash-" + unique(),
        sid="sid-" + unique(),
        user_id=user.user_id,
        auth_time=NOW,
        amr=("pwd",),
        created_at=NOW,
        last_seen_at=NOW,
        idle_expires_at=NOW + timedelta(hours=1),
        expires_at=NOW + timedelta(hours=24),
    )
    async with container.db.transaction() as uow:
        await uow.sessions.add(session)
        await uow.sessions.touch(
            tenant.id, session.id_hash, NOW + timedelta(minutes=5), NOW + timedelta(minutes=65)
        )
    async with container.db.read() as uow:
        got = await uow.sessions.get(tenant.id, session.id_hash)
        assert got is not None and got.idle_expires_at == NOW + timedelta(minutes=65)
        assert await uow.sessions.get_by_sid(tenant.id, session.sid) == got
        assert len(await uow.sessions.list_for_user(tenant.id, user.user_id)) == 1
    async with container.db.transaction() as uow:
        assert await uow.sessions.end_all_for_user(tenant.id, user.user_id, NOW) == 1
        assert not await uow.sessions.end(tenant.id, session.id_hash, NOW)
    async with container.db.read() as uow:
        ended = await uow.sessions.get(tenant.id, session.id_hash)
        assert ended is not None and ended.ended_at == NOW
        assert await uow.sessions.list_for_user(tenant.id, user.user_id) == []


async def test_oa09_replay_cache_remembers_until_expiry(container: Container) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    later = NOW + timedelta(minutes=5)
    async with container.db.transaction() as uow:
        assert await uow.replay.remember(tenant.id, "client:jti-1", later)
    async with container.db.transaction() as uow:
        assert not await uow.replay.remember(tenant.id, "client:jti-1", later, now=NOW)
        assert not await uow.replay.remember(tenant.id, "client:jti-1", later)
    async with container.db.transaction() as uow:
        # After its memory expired, a key may be used again (given the current time).
        assert await uow.replay.remember(
            tenant.id, "client:jti-1", later + timedelta(minutes=5), now=later
        )
        assert await uow.replay.remember(tenant.id, "x" * 5000, later)  # long keys are hashed
        # Purging is store-wide (other tests' rows on a shared database count too).
        assert await uow.replay.purge_expired(later + timedelta(hours=1)) >= 2
    async with container.db.transaction() as uow:
        assert await uow.replay.remember(tenant.id, "client:jti-1", later)  # purged: new again


async def test_tenant_settings_roundtrip(container: Container) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    assert dict(tenant.settings) == {}
    async with container.db.transaction() as uow:
        await uow.tenants.update_settings(tenant.id, {"sessions": {"idle_timeout": 1800}})
    async with container.db.read() as uow:
        stored = await uow.tenants.get(tenant.id)
        assert stored is not None and stored.settings == {"sessions": {"idle_timeout": 1800}}


async def test_deleting_a_user_removes_their_artefacts(container: Container) -> None:
    tenant, _client, user, grant = await _world(container)
    async with container.db.transaction() as uow:
        await uow.codes.add(_code(grant, "code-x"))
        await uow.refresh_tokens.add(_refresh(grant, "rt-x"))
    await container.users.delete(tenant, user.user_id, by=ChangedBy.cli())
    async with container.db.read() as uow:
        assert await uow.grants.get(tenant.id, grant.id) is None
        assert await uow.refresh_tokens.get(tenant.id, "rt-x") is None
