"""Incident response actions do everything they promise, atomically, and are audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from tests.conftest import unique
from tier0.audit import Actor, EventType
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.cli.main import app as cli_app
from tier0.container import Container
from tier0.domain import AppType, Tenant, User
from tier0.domain.grants import Grant, RefreshToken, Session
from tier0.errors import NotFound
from tier0.services.applications import ApplicationSpec
from tier0.services.users import UserSpec

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OPERATOR = Actor.admin("adm_ops")


async def _signed_in_user(c: Container, tenant: Tenant, client_id: str) -> User:
    """A user with a password, two sessions, and one grant holding a refresh token."""
    user = await c.users.create(
        tenant,
        UserSpec(email=f"{unique()}@example.com", password="correct horse battery 9"),
        by=ChangedBy.cli(),
    )
    grant = Grant(
        tenant_id=tenant.id, id="grt_" + unique(), client_id=client_id, user_id=user.user_id,
        scope=("openid", "offline_access"), audience=None, session_id=None, created_at=NOW,
    )  # fmt: skip
    async with c.db.transaction() as uow:
        await uow.grants.add(grant)
        await uow.refresh_tokens.add(
            RefreshToken(
                tenant_id=tenant.id,
                token_hash="rt-" + unique(),
                grant_id=grant.id,
                client_id=client_id,
                user_id=user.user_id,
                scope=grant.scope,
                created_at=NOW,
                expires_at=NOW + timedelta(days=30),
                idle_expires_at=NOW + timedelta(days=15),
            )
        )
        for _ in range(2):
            await uow.sessions.add(
                Session(
                    tenant_id=tenant.id,
                    id_hash="s-" + unique(),
                    sid="sid-" + unique(),
                    user_id=user.user_id,
                    auth_time=NOW,
                    created_at=NOW,
                    last_seen_at=NOW,
                    idle_expires_at=NOW + timedelta(hours=1),
                    expires_at=NOW + timedelta(hours=24),
                )
            )
    return user


@pytest.fixture
async def world(container: Container) -> tuple[Tenant, str]:
    tenant = await container.tenants.create(unique("ir"), by=ChangedBy.cli())
    created = await container.applications.create(
        tenant,
        ApplicationSpec("spa", AppType.SPA, callbacks=("https://app.test/cb",)),
        by=ChangedBy.cli(),
    )
    return tenant, created.application.client_id


async def _incident_events(c: Container, tenant: Tenant) -> list[dict[str, object]]:
    found = await c.audit.search(
        EventQuery(tenant_id=tenant.id, types=[t for t in EventType if t.startswith("incident.")])
    )
    return [{"type": str(i.event.type), **i.event.details} for i in found]


async def test_lockdown_blocks_resets_and_revokes_everything(
    container: Container, world: tuple[Tenant, str]
) -> None:
    tenant, client_id = world
    user = await _signed_in_user(container, tenant, client_id)
    bystander = await _signed_in_user(container, tenant, client_id)
    report = await container.incident.lockdown_user(tenant.id, user.user_id, actor=OPERATOR)
    assert (report.sessions_ended, report.grants_revoked, report.refresh_tokens_revoked) == (
        2,
        1,
        1,
    )
    locked = await container.users.get(tenant, user.user_id)
    assert locked.blocked
    assert locked.password_hash is None  # a reset is required before the next sign-in
    async with container.db.read() as uow:
        sessions = await uow.sessions.list_for_user(tenant.id, user.user_id)
        assert all(s.ended_at is not None for s in sessions)
        tokens = await uow.refresh_tokens.list_for_user(tenant.id, user.user_id)
        assert all(t.revoked_at is not None for t in tokens)
        others = await uow.sessions.list_for_user(tenant.id, bystander.user_id)
        assert all(s.ended_at is None for s in others)
    assert await _incident_events(container, tenant) == [
        {
            "type": "incident.user_locked_down",
            "sessions_ended": 2,
            "grants_revoked": 1,
            "refresh_tokens_revoked": 1,
            "reset_required": True,
        }
    ]


async def test_lockdown_of_an_unknown_user_changes_nothing(
    container: Container, world: tuple[Tenant, str]
) -> None:
    tenant, _ = world
    with pytest.raises(NotFound):
        await container.incident.lockdown_user(tenant.id, "usr_missing", actor=OPERATOR)
    assert await _incident_events(container, tenant) == []


async def test_revoke_sessions_for_one_user_or_all(
    container: Container, world: tuple[Tenant, str]
) -> None:
    tenant, client_id = world
    first = await _signed_in_user(container, tenant, client_id)
    await _signed_in_user(container, tenant, client_id)
    one = await container.incident.revoke_sessions(tenant.id, actor=OPERATOR, user_id=first.user_id)
    assert one == 2
    everyone = await container.incident.revoke_sessions(tenant.id, actor=OPERATOR)
    assert everyone == 2  # the other user's two; the first user's were already ended
    events = await _incident_events(container, tenant)
    assert [(e["scope"], e["sessions_ended"]) for e in events] == [("user", 2), ("all", 2)]


async def test_emergency_rotation_withdraws_the_signing_key(
    container: Container, world: tuple[Tenant, str]
) -> None:
    tenant, _ = world
    before = {k.kid for k in await container.keys.ensure(tenant.id, by=ChangedBy.cli())}
    await container.incident.rotate_keys(tenant.id, actor=OPERATOR)
    jwks = await container.keys.jwks(tenant.id)
    published = {k["kid"] for k in jwks["keys"]}
    assert published.isdisjoint(before)  # the old keys are gone from the JWKS at once
    assert [e["type"] for e in await _incident_events(container, tenant)] == [
        "incident.keys_rotated"
    ]


def test_incident_cli_guards(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli_app, ["tenant", "create", "acme"]).exit_code == 0
    result = runner.invoke(cli_app, ["incident", "revoke-sessions", "--tenant", "acme"])
    assert result.exit_code == 2
    result = runner.invoke(cli_app, ["incident", "rotate-keys", "--tenant", "acme", "--emergency"])
    assert result.exit_code == 2
    assert "--emergency --yes" in result.stderr
    result = runner.invoke(
        cli_app, ["incident", "revoke-sessions", "--tenant", "acme", "--all", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == '{"sessions_ended": 0}'
    result = runner.invoke(
        cli_app, ["incident", "lockdown-user", "--tenant", "acme", "--user", "usr_nope"]
    )
    assert result.exit_code == 2
