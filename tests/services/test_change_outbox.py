"""The transactional outbox of configuration changes (issue #6, LG-01): a change and its
``management.*`` event commit together or not at all, on SQLite and on PostgreSQL.

The failures are real database failures: a trigger that refuses the event row of one tenant
(the change must roll back), a trigger that refuses the change itself (no event may be
left), and on PostgreSQL a deferred constraint trigger that fails at COMMIT, after both rows
were written (neither may survive). Triggers are scoped to the test's own tenant, because
the PostgreSQL database is shared by the whole session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import pytest
from sqlalchemy.exc import DBAPIError

from tests.conftest import unique
from tests.outbox import REFUSED, execute, refusing
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.domain import ApiScope, AppType, Permission, Tenant
from tier0.services.applications import ApplicationSpec
from tier0.services.resource_servers import ApiSpec
from tier0.services.users import UserPatch, UserSpec

OPERATOR = ChangedBy.cli()


@dataclass
class World:
    container: Container
    tenant: Tenant
    client_id: str
    api_id: str
    api_identifier: str
    role_id: str
    user_id: str


@pytest.fixture
async def world(container: Container) -> World:
    c = container
    tenant = await c.tenants.create(unique(), by=OPERATOR)
    api = await c.apis.create(
        tenant,
        ApiSpec(name="Orders", identifier=f"https://{unique()}.example", scopes=(ApiScope("r"),)),
        by=OPERATOR,
    )
    app = await c.applications.create(
        tenant, ApplicationSpec(name="Job", app_type=AppType.NON_INTERACTIVE), by=OPERATOR
    )
    role = await c.roles.create(tenant, "reader", by=OPERATOR)
    user = await c.users.create(tenant, UserSpec(email=f"{unique()}@example.com"), by=OPERATOR)
    return World(
        c, tenant, app.application.client_id, api.id, api.identifier, role.id, user.user_id
    )


Change = Callable[[World], Awaitable[object]]

# One change per audited service and kind of change.
CHANGES: dict[str, Change] = {
    "tenant.rename": lambda w: w.container.tenants.rename(w.tenant, "Renamed", by=OPERATOR),
    "application.create": lambda w: w.container.applications.create(
        w.tenant, ApplicationSpec(name="New", app_type=AppType.SPA), by=OPERATOR
    ),
    "application.rotate_secret": lambda w: w.container.applications.rotate_secret(
        w.tenant, w.client_id, by=OPERATOR
    ),
    "application.delete": lambda w: w.container.applications.delete(
        w.tenant, w.client_id, by=OPERATOR
    ),
    "api.update": lambda w: w.container.apis.update(
        w.tenant, w.api_id, ApiSpec(name="Renamed", identifier=w.api_identifier), by=OPERATOR
    ),
    "client_grant.create": lambda w: w.container.client_grants.create(
        w.tenant, w.client_id, w.api_identifier, ["r"], by=OPERATOR
    ),
    "user.create": lambda w: w.container.users.create(
        w.tenant, UserSpec(email=f"{unique()}@example.com"), by=OPERATOR
    ),
    "user.update": lambda w: w.container.users.update(
        w.tenant, w.user_id, UserPatch(blocked=True), by=OPERATOR
    ),
    "user.delete": lambda w: w.container.users.delete(w.tenant, w.user_id, by=OPERATOR),
    "role.add_permissions": lambda w: w.container.roles.add_permissions(
        w.tenant, w.role_id, [Permission(w.api_identifier, "r")], by=OPERATOR
    ),
    "role.assign": lambda w: w.container.roles.assign(
        w.tenant, w.role_id, [w.user_id], by=OPERATOR
    ),
    "keys.ensure": lambda w: w.container.keys.ensure(w.tenant.id, by=OPERATOR),
}


async def _snapshot(w: World) -> dict[str, object]:
    """Everything the changes above touch, as plain values."""
    c, t = w.container, w.tenant
    apps = sorted(
        (a.client_id, a.name, a.client_secret_hash)
        for a in await c.applications.list(t, limit=1000)
    )
    users = sorted((u.user_id, u.blocked) for u in await c.users.list(t, limit=1000))
    return {
        "tenant": (await c.tenants.get(t.name)).display_name,
        "apps": apps,
        "apis": sorted((a.id, a.name) for a in await c.apis.list(t)),
        "grants": [g.id for g in await c.client_grants.list(t)],
        "users": users,
        "permissions": list(await c.roles.permissions(t, w.role_id)),
        "members": list(await c.roles.members(t, w.role_id)),
        "keys": sorted(k.kid for k in await c.keys.list(t.id)),
    }


async def _events(w: World) -> list[int]:
    logged = await w.container.audit.search(EventQuery(tenant_id=w.tenant.id, limit=1000))
    return [e.seq for e in logged]


def _refusing(w: World, table: str, operation: str = "INSERT") -> AbstractAsyncContextManager[None]:
    """A trigger that makes every ``operation`` on ``table`` for this tenant fail."""
    return refusing(w.container, w.tenant.id, table, operation)


@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_lg01_a_change_whose_event_cannot_be_written_rolls_back(
    world: World, change: str
) -> None:
    before, events = await _snapshot(world), await _events(world)
    async with _refusing(world, "events"):
        with pytest.raises(REFUSED):
            await CHANGES[change](world)
    assert await _snapshot(world) == before
    assert await _events(world) == events
    # Without the trigger the same change commits, with exactly one new event.
    await CHANGES[change](world)
    assert await _snapshot(world) != before
    assert len(await _events(world)) == len(events) + 1
    assert (await world.container.audit.verify(world.tenant.id)).ok


@pytest.mark.parametrize(
    ("change", "table", "operation"),
    [
        ("application.rotate_secret", "applications", "UPDATE"),
        ("application.delete", "applications", "DELETE"),
        ("user.create", "users", "INSERT"),
        ("user.update", "users", "UPDATE"),
        ("api.update", "resource_servers", "UPDATE"),
        ("client_grant.create", "client_grants", "INSERT"),
    ],
)
async def test_lg01_a_change_that_fails_leaves_no_event(
    world: World, change: str, table: str, operation: str
) -> None:
    before, events = await _snapshot(world), await _events(world)
    async with _refusing(world, table, operation):
        with pytest.raises(REFUSED):
            await CHANGES[change](world)
    assert await _snapshot(world) == before
    assert await _events(world) == events
    assert (await world.container.audit.verify(world.tenant.id)).ok


async def test_lg01_a_commit_that_fails_after_both_writes_keeps_neither(
    world: World, backend: str
) -> None:
    """PostgreSQL checks a deferred constraint trigger at COMMIT, when the change and its
    event are both written: the failure must take both away."""
    if backend != "postgres":
        pytest.skip("SQLite has no deferred triggers")
    name = f"late_{unique().replace('-', '_')}"
    await execute(
        world.container,
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$",
        f"CREATE CONSTRAINT TRIGGER {name} AFTER UPDATE ON users DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW WHEN (NEW.tenant_id = '{world.tenant.id}') EXECUTE FUNCTION {name}()",
    )
    before, events = await _snapshot(world), await _events(world)
    try:
        with pytest.raises(DBAPIError):
            await CHANGES["user.update"](world)
    finally:
        await execute(world.container, f"DROP TRIGGER {name} ON users", f"DROP FUNCTION {name}()")
    assert await _snapshot(world) == before
    assert await _events(world) == events
    assert (await world.container.audit.verify(world.tenant.id)).ok
