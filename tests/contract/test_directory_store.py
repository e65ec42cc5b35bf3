"""Contract suite for the directory ports (tenants, keys, applications, APIs, client grants,
users, roles), run against every backend: SQLite always, PostgreSQL in CI."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.conftest import unique
from tier0.container import Container
from tier0.domain import (
    ApiScope,
    Application,
    AppType,
    AuthMethod,
    ClientGrant,
    Permission,
    ResourceServer,
    Role,
    Tenant,
    User,
)
from tier0.errors import Conflict, NotFound

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def tenant(name: str | None = None) -> Tenant:
    name = name or unique()
    return Tenant(id=f"ten_{name}", name=name, display_name=name.upper(), created_at=NOW)


def application(t: Tenant, name: str = "web", client_id: str | None = None) -> Application:
    return Application(
        tenant_id=t.id,
        client_id=client_id or f"cid-{unique()}",
        name=name,
        app_type=AppType.REGULAR_WEB,
        token_endpoint_auth_method=AuthMethod.CLIENT_SECRET_BASIC,
        grant_types=("authorization_code", "client_credentials"),
        callbacks=("https://app.test/cb",),
        client_secret_hash="hash",
        jwks={"keys": []},
        created_at=NOW,
    )


def api(t: Tenant, identifier: str = "https://api.test") -> ResourceServer:
    return ResourceServer(
        tenant_id=t.id,
        id=f"api_{unique()}",
        name="API",
        identifier=identifier,
        scopes=(ApiScope("read:x", "read"), ApiScope("write:x")),
        signing_alg="ES256",
        created_at=NOW,
    )


def user(t: Tenant, email: str = "Alice@Example.com") -> User:
    return User(
        tenant_id=t.id,
        user_id=f"auth0|{unique()}",
        email=email,
        user_metadata={"theme": "dark"},
        app_metadata={"plan": "pro"},
        password_hash="$2b$10$x",
        created_at=NOW,
    )


async def seeded(c: Container) -> Tenant:
    t = tenant()
    async with c.db.transaction() as uow:
        await uow.tenants.add(t)
        await c.keyring.create(uow, t.id)  # users are sealed under the tenant's data key
    return t


async def test_tenants_roundtrip_and_unique_name(container: Container) -> None:
    t = await seeded(container)
    async with container.db.read() as uow:
        assert await uow.tenants.get(t.id) == t
        assert await uow.tenants.get_by_name(t.name) == t
        assert t in await uow.tenants.list()
        assert await uow.tenants.get_by_name("missing-tenant") is None
    with pytest.raises(Conflict):
        async with container.db.transaction() as uow:
            await uow.tenants.add(replace(t, id="ten_other"))


async def test_failed_transaction_writes_nothing(container: Container) -> None:
    t = tenant()
    with pytest.raises(RuntimeError):
        async with container.db.transaction() as uow:
            await uow.tenants.add(t)
            await uow.applications.add(application(t))
            raise RuntimeError("boom")
    async with container.db.read() as uow:
        assert await uow.tenants.get(t.id) is None


async def test_applications_crud_and_isolation(container: Container) -> None:
    a, b = await seeded(container), await seeded(container)
    app = application(a)
    async with container.db.transaction() as uow:
        await uow.applications.add(app)
    async with container.db.read() as uow:
        stored = await uow.applications.get(a.id, app.client_id)
        assert stored is not None
        assert stored.grant_types == app.grant_types and stored.jwks == {"keys": []}
        assert stored.created_at == NOW
        # AC-02: another tenant's id never finds it.
        assert await uow.applications.get(b.id, app.client_id) is None
        assert await uow.applications.get_by_name(a.id, "web") == stored
        assert await uow.applications.list(b.id) == []
    async with container.db.transaction() as uow:
        await uow.applications.update(replace(app, callbacks=("https://new.test/cb",)))
        assert not await uow.applications.delete(b.id, app.client_id)
    async with container.db.read() as uow:
        got = await uow.applications.get(a.id, app.client_id)
        assert got is not None and got.callbacks == ("https://new.test/cb",)
    with pytest.raises(Conflict):
        async with container.db.transaction() as uow:
            await uow.applications.add(application(a, name="web"))
    async with container.db.transaction() as uow:
        assert await uow.applications.delete(a.id, app.client_id)


async def test_resource_servers_and_client_grants(container: Container) -> None:
    t = await seeded(container)
    orders, app = api(t), application(t)
    async with container.db.transaction() as uow:
        await uow.resource_servers.add(orders)
        await uow.applications.add(app)
        grant = ClientGrant(
            t.id, "cgr_1" + unique(), app.client_id, orders.identifier, ("read:x",), NOW
        )
        await uow.client_grants.add(grant)
    async with container.db.read() as uow:
        got = await uow.resource_servers.get_by_identifier(t.id, orders.identifier)
        assert got is not None and got.scope_values == ("read:x", "write:x")
        assert await uow.client_grants.find(t.id, app.client_id, orders.identifier) == grant
        assert await uow.client_grants.list(t.id, client_id=app.client_id) == [grant]
        assert await uow.client_grants.list(t.id, audience="https://other") == []
    with pytest.raises(NotFound):
        async with container.db.transaction() as uow:
            await uow.client_grants.add(replace(grant, id="cgr_x", audience="https://missing"))
    # Deleting the API removes its grants (no dangling access).
    async with container.db.transaction() as uow:
        assert await uow.resource_servers.delete(t.id, orders.id)
    async with container.db.read() as uow:
        assert await uow.client_grants.get(t.id, grant.id) is None


async def test_users_email_is_case_insensitive_and_unique(container: Container) -> None:
    t = await seeded(container)
    alice = user(t)
    async with container.db.transaction() as uow:
        await uow.users.add(alice)
    async with container.db.read() as uow:
        found = await uow.users.get_by_email(t.id, "  alice@EXAMPLE.com ")
        assert found is not None and found.user_id == alice.user_id
        assert found.email == "Alice@Example.com"
        assert found.user_metadata == {"theme": "dark"}
        assert await uow.users.count(t.id) == 1
    with pytest.raises(Conflict):
        async with container.db.transaction() as uow:
            await uow.users.add(user(t, email="ALICE@example.com"))
    async with container.db.transaction() as uow:
        await uow.users.update(replace(alice, blocked=True, logins_count=3, last_login=NOW))
    async with container.db.read() as uow:
        got = await uow.users.get(t.id, alice.user_id)
        assert got is not None and got.blocked and got.logins_count == 3 and got.last_login == NOW


async def test_users_pagination_is_stable(container: Container) -> None:
    t = await seeded(container)
    async with container.db.transaction() as uow:
        for i in range(5):
            await uow.users.add(user(t, email=f"u{i}@example.com"))
    async with container.db.read() as uow:
        first = await uow.users.list(t.id, offset=0, limit=3)
        second = await uow.users.list(t.id, offset=3, limit=3)
    ids = [u.user_id for u in [*first, *second]]
    assert len(ids) == 5 == len(set(ids))


async def test_roles_permissions_and_assignments(container: Container) -> None:
    t = await seeded(container)
    orders, alice = api(t), user(t)
    role = Role(t.id, "rol_" + unique(), "reader", "reads", NOW)
    read = Permission(orders.identifier, "read:x")
    write = Permission(orders.identifier, "write:x")
    async with container.db.transaction() as uow:
        await uow.resource_servers.add(orders)
        await uow.users.add(alice)
        await uow.roles.add(role)
        await uow.roles.add_permissions(t.id, role.id, [read, write])
        await uow.roles.add_permissions(t.id, role.id, [read])  # idempotent
        await uow.roles.assign(t.id, role.id, [alice.user_id])
        await uow.roles.assign(t.id, role.id, [alice.user_id])
    async with container.db.read() as uow:
        assert await uow.roles.permissions(t.id, role.id) == [read, write]
        assert await uow.roles.roles_of(t.id, alice.user_id) == [role]
        assert await uow.roles.user_permissions(t.id, alice.user_id) == [read, write]
    async with container.db.transaction() as uow:
        await uow.roles.remove_permissions(t.id, role.id, [write])
    async with container.db.read() as uow:
        assert await uow.roles.user_permissions(t.id, alice.user_id) == [read]
    # A permission on an API of another tenant, or a user of another tenant, is refused.
    other = await seeded(container)
    with pytest.raises(NotFound):
        async with container.db.transaction() as uow:
            await uow.roles.add_permissions(other.id, role.id, [read])
    with pytest.raises(NotFound):
        async with container.db.transaction() as uow:
            await uow.roles.assign(t.id, role.id, ["auth0|nobody"])
    async with container.db.transaction() as uow:
        await uow.roles.unassign(t.id, role.id, [alice.user_id])
    async with container.db.read() as uow:
        assert await uow.roles.user_permissions(t.id, alice.user_id) == []


async def test_tenant_keys_and_cascading_tenant_delete(container: Container) -> None:
    t = await seeded(container)  # version 1 is the tenant's real data key
    async with container.db.transaction() as uow:
        await uow.tenant_keys.add(t.id, 2, "wrapped-2", NOW)
        await uow.tenant_keys.add(t.id, 3, "wrapped-3", NOW)
        await uow.applications.add(application(t))
        await uow.users.add(user(t))
    async with container.db.read() as uow:
        latest = await uow.tenant_keys.latest(t.id)
        assert latest is not None and latest.version == 3 and latest.wrapped == "wrapped-3"
        assert await uow.tenant_keys.count(t.id) == 3
    async with container.db.transaction() as uow:
        assert await uow.tenant_keys.destroy(t.id) == 3
        assert await uow.tenants.delete(t.id)
    async with container.db.read() as uow:
        assert await uow.tenant_keys.latest(t.id) is None
        assert await uow.users.count(t.id) == 0
        assert await uow.applications.list(t.id) == []


async def test_concurrent_writers_do_not_fail(container: Container) -> None:
    """SQLite write transactions take the lock up front (BEGIN IMMEDIATE), so concurrent
    writers queue instead of failing half-way with "database is locked"."""
    t = await seeded(container)

    async def add(i: int) -> None:
        async with container.db.transaction() as uow:
            await uow.users.count(t.id)  # read first, then write: the deadlock-prone shape
            await uow.users.add(user(t, email=f"c{i}@example.com"))

    await asyncio.gather(*(add(i) for i in range(20)))
    async with container.db.read() as uow:
        assert await uow.users.count(t.id) == 20


async def test_nested_write_transaction_fails_fast(container: Container) -> None:
    """A write transaction inside another would deadlock on SQLite's single writer lock;
    it is refused at once instead of hanging until the busy timeout."""
    with pytest.raises(RuntimeError, match="nested write transaction"):
        async with container.db.transaction(), container.db.transaction():
            pass
    async with container.db.transaction() as uow:  # the store is still usable
        await uow.tenants.list()
