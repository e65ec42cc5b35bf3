"""Contract suite for the SignInWrites port (a password sign-in's write transaction in two
round trips) and the one-hop user reads beside it, on SQLite always and PostgreSQL in CI."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.conftest import unique
from tests.contract.test_oauth_store import NOW, _code, _world
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor, SecurityEvent
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.domain import Tenant, User
from tier0.domain.grants import Session
from tier0.domain.mfa import Passkey
from tier0.privacy.user_keys import set_per_user_keys
from tier0.services.users import UserSpec
from tier0.storage.sql.repos.redemption import SqlCodeRedemptions
from tier0.storage.sql.repos.signin import SqlSignInWrites
from tier0.storage.sql.repos.user_reads import SqlUserReads
from tier0.storage.sql.repos.user_reads_sqlite import BY_ID_SQL, user_columns
from tier0.storage.write_ports import LoginCount


def _event(c: Container, user: User, kind: EventType) -> SecurityEvent:
    return SecurityEvent.create(
        kind, clock=c.clock, tenant_id=user.tenant_id, actor=Actor.user(user.user_id)
    )


def _session(user: User, id_hash: str) -> Session:
    return Session(
        tenant_id=user.tenant_id,
        id_hash=id_hash,
        sid="sid_" + secrets.token_hex(8),
        user_id=user.user_id,
        auth_time=NOW,
        amr=("pwd",),
        created_at=NOW,
        last_seen_at=NOW,
        idle_expires_at=NOW + timedelta(hours=1),
        expires_at=NOW + timedelta(hours=24),
    )


@pytest.fixture
def writes(container: Container, plain_sqlite: bool) -> SqlSignInWrites:
    return SqlSignInWrites(container.one_hop, container.db.cipher, plain_sqlite=plain_sqlite)


def _login(user: User, ip: str | None, **more: str | None) -> LoginCount:
    return LoginCount(user.tenant_id, user.user_id, NOW, ip, previous_ip=user.last_ip, **more)


async def test_a_sign_in_commits_count_event_session_and_code_together(
    container: Container, writes: SqlSignInWrites, prefix: str
) -> None:
    """SE-02 and LG-01: the previous session ends, the new one, the grant and the code are
    stored with both events; the audit chain stays intact (LG-03)."""
    tenant, _client, user, grant = await _world(container)
    async with container.db.transaction() as uow:
        await uow.sessions.add(_session(user, f"{prefix}old"))
    key = await container.audit.chain_key(tenant.id)
    new_grant = replace(grant, id="grt_" + secrets.token_hex(8))
    code = replace(_code(new_grant, f"{prefix}code"), grant_id=new_grant.id)
    login = _event(container, user, EventType.USER_LOGIN_SUCCEEDED)
    issued = _event(container, user, EventType.AUTHORIZATION_CODE_ISSUED)
    async with writes.transaction() as signin:
        counted = await signin.count_login(_login(user, "203.0.113.9"), login, key, factors=True)
        assert counted is not None and counted.logins_count == 1 and not counted.enrolled
        signin.start_session(_session(user, f"{prefix}new"), ending=f"{prefix}old")
        signin.add_code(new_grant, code, issued, key)
        await signin.commit()
    async with container.db.read() as uow:
        old = await uow.sessions.get(tenant.id, f"{prefix}old")
        assert old is not None and old.ended_at == NOW
        new = await uow.sessions.get(tenant.id, f"{prefix}new")
        assert new is not None and new.ended_at is None and new.amr == ("pwd",)
        assert await uow.grants.get(tenant.id, new_grant.id) == new_grant
        consumed = await uow.codes.consume(tenant.id, f"{prefix}code", NOW)
        assert consumed is not None and consumed.item.nonce == "n" * 64
    stored = await container.users.get(tenant, user.user_id)
    assert stored.logins_count == 1 and stored.last_ip == "203.0.113.9"
    assert stored.last_login == NOW
    found = await container.audit.search(EventQuery(tenant.id, limit=100))
    assert [e.event.id for e in sorted(found, key=lambda e: e.seq)][-2:] == [login.id, issued.id]
    assert (await container.audit.verify(tenant.id)).ok
    # A sign-in that commits after counting alone (unverified address): its event links to
    # the head the previous transaction left, which it moved past both of its events.
    again = _event(container, user, EventType.USER_LOGIN_SUCCEEDED)
    async with writes.transaction() as signin:
        assert await signin.count_login(_login(stored, "203.0.113.9"), again, key, factors=False)
        await signin.commit()
    found = sorted(
        await container.audit.search(EventQuery(tenant.id, limit=100)), key=lambda e: e.seq
    )
    assert [e.event.id for e in found][-3:] == [login.id, issued.id, again.id]
    assert [e.seq for e in found] == list(range(1, len(found) + 1))
    assert (await container.audit.verify(tenant.id)).ok


async def test_leaving_without_commit_keeps_nothing(
    container: Container, writes: SqlSignInWrites, prefix: str
) -> None:
    tenant, _client, user, _grant = await _world(container)
    key = await container.audit.chain_key(tenant.id)
    event = _event(container, user, EventType.USER_LOGIN_SUCCEEDED)
    async with writes.transaction() as signin:
        assert await signin.count_login(_login(user, None), event, key, factors=False)
        signin.start_session(_session(user, f"{prefix}dropped"), ending=None)
    async with container.db.read() as uow:
        assert await uow.sessions.get(tenant.id, f"{prefix}dropped") is None
    assert (await container.users.get(tenant, user.user_id)).logins_count == 0
    assert not await container.audit.search(EventQuery(tenant.id, types=(event.type,)))


async def test_a_gone_user_counts_nothing_and_a_passkey_is_enrollment(
    container: Container, writes: SqlSignInWrites, prefix: str
) -> None:
    """MF-04: the enrollment read sees a passkey (as the ORM's ``has_second_factor``)."""
    tenant, _client, user, _grant = await _world(container)
    key = await container.audit.chain_key(tenant.id)
    event = _event(container, user, EventType.USER_LOGIN_SUCCEEDED)
    gone = replace(user, user_id="usr_" + secrets.token_hex(8))
    async with writes.transaction() as signin:
        assert await signin.count_login(_login(gone, None), event, key, factors=True) is None
    async with container.db.transaction() as uow:
        await uow.passkeys.add(
            Passkey(
                tenant_id=tenant.id,
                id="pk_" + secrets.token_hex(6),
                user_id=user.user_id,
                credential_id=prefix + "cred",
                public_key=b"k",
                sign_count=0,
                created_at=NOW,
            )
        )
    async with writes.transaction() as signin:
        counted = await signin.count_login(_login(user, None), event, key, factors=True)
        assert counted is not None and counted.enrolled
        await signin.commit()
    assert (await container.users.get(tenant, user.user_id)).logins_count == 1


async def _user_with_own_key(container: Container) -> tuple[Tenant, User]:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    await set_per_user_keys(
        container.db,
        container.audit,
        container.clock,
        tenant,
        enabled=True,
        actor=Actor.admin("dpo"),
    )
    spec = UserSpec(email=f"{unique()}@example.com", password="a long enough password")
    return tenant, await container.users.create(tenant, spec, by=ChangedBy.cli())


async def test_dp02_a_changed_ip_is_sealed_under_the_users_own_key(
    container: Container, writes: SqlSignInWrites
) -> None:
    """DP-02/DP-05: the re-sealed last IP reads back under the key the user's fields use,
    and a rehash is stored with the count; concurrent sign-ins each count once."""
    tenant, user = await _user_with_own_key(container)
    key = await container.audit.chain_key(tenant.id)

    async def sign_in(ip: str) -> None:
        event = _event(container, user, EventType.USER_LOGIN_SUCCEEDED)
        async with writes.transaction() as signin:
            assert await signin.count_login(
                _login(user, ip, password_hash="$2b$12$upgraded"), event, key, factors=False
            )
            await signin.commit()

    await asyncio.gather(*(sign_in(f"198.51.100.{n}") for n in range(5)))
    stored = await container.users.get(tenant, user.user_id)
    assert stored.logins_count == 5 and stored.password_hash == "$2b$12$upgraded"
    assert stored.last_ip in {f"198.51.100.{n}" for n in range(5)}
    assert stored.email == user.email
    assert (await container.audit.verify(tenant.id)).ok


async def _full_user(container: Container, writes: SqlSignInWrites, tenant: Tenant) -> User:
    """A user with every column set: flags, metadata, a counted login (its time and IP)."""
    spec = UserSpec(
        email=f"{unique()}@example.com",
        password="a long enough password",
        email_verified=True,
        blocked=True,
        username=f"u{secrets.token_hex(6)}",
        name="Ünïcode Name",
        nickname="nick",
        picture="https://example.com/p.png",
        user_metadata={"lang": "fr", "n": [1, 2.5, None]},
        app_metadata={"plan": {"tier": "gold"}},
    )
    user = await container.users.create(tenant, spec, by=ChangedBy.cli())
    key = await container.audit.chain_key(tenant.id)
    async with writes.transaction() as signin:
        event = _event(container, user, EventType.USER_LOGIN_SUCCEEDED)
        assert await signin.count_login(_login(user, "192.0.2.7"), event, key, factors=False)
        await signin.commit()
    return user


async def test_user_reads_match_the_repository(
    container: Container, writes: SqlSignInWrites, plain_sqlite: bool, prefix: str
) -> None:
    """The one-hop reads (the password check's, the code redemption's; plain sqlite3 and
    Core) open a user exactly as the ORM repository does, every column's value and type,
    under the tenant key or the user's own (DP-05)."""
    _tenant, _client, plain, grant = await _world(container)
    tenant, own = await _user_with_own_key(container)
    other = await container.tenants.create(unique(), by=ChangedBy.cli())
    full = await _full_user(container, writes, other)
    cipher = container.db.cipher
    assert cipher is not None
    reads = SqlUserReads(container.one_hop, cipher, plain_sqlite=plain_sqlite)
    for user in (plain, own, full):
        async with container.db.read() as uow:
            expected = await uow.users.get(user.tenant_id, user.user_id)
        assert expected is not None
        assert await reads.get(user.tenant_id, user.user_id) == expected
        assert await reads.get_by_email(user.tenant_id, user.email.upper()) == expected
    selected = BY_ID_SQL.removeprefix("SELECT ").split(" FROM ")[0].split(", ")
    assert tuple(selected) == user_columns()
    got = await reads.get(full.tenant_id, full.user_id)
    assert got is not None and got.blocked is True and got.email_verified is True  # not 1
    assert got.last_login is not None and got.last_login.tzinfo is not None
    assert got.logins_count == 1 and got.last_ip == "192.0.2.7"
    assert await reads.get(tenant.id, plain.user_id) is None  # another tenant's user
    assert await reads.get_by_email(tenant.id, "nobody@example.com") is None
    async with container.db.transaction() as uow:
        await uow.codes.add(_code(grant, f"{prefix}code-user"))
    redemptions = SqlCodeRedemptions(container.one_hop, cipher, plain_sqlite=plain_sqlite)
    async with redemptions.transaction() as redemption:
        assert await redemption.consume(grant.tenant_id, f"{prefix}code-user", NOW)
        assert await redemption.user(grant.tenant_id, plain.user_id) == await reads.get(
            plain.tenant_id, plain.user_id
        )
        assert await redemption.user(grant.tenant_id, "usr_gone") is None
