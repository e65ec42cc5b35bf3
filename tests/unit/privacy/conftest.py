"""A user with the artefacts privacy operations must find: a session, a consent (grant) and
a refresh token, plus a security event naming the user."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import unique
from tests.contract.test_directory_store import application
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor, SecurityEvent
from tier0.audit.events import EventType
from tier0.container import Container
from tier0.domain import Tenant, User
from tier0.domain.grants import Grant, RefreshToken, Session
from tier0.services.users import UserSpec


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIER0_BCRYPT_COST", "10")
    monkeypatch.setenv("TIER0_SIGNING_ALG", "ES256")
    return CliRunner()


@dataclass
class Seeded:
    tenant: Tenant
    user: User
    marker: str
    token_hash: str


async def seed_user(container: Container) -> Seeded:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    marker = unique("pii")
    user = await container.users.create(
        tenant,
        UserSpec(
            email=f"{marker}@example.com",
            password="a long enough password",
            name=f"Name {marker}",
            nickname=f"nick-{marker}",
            user_metadata={"favourite": "tea"},
        ),
        by=ChangedBy.cli(),
    )
    now = container.clock.now()
    app = application(tenant)
    grant = Grant(
        tenant_id=tenant.id,
        id="gr_" + secrets.token_hex(8),
        client_id=app.client_id,
        user_id=user.user_id,
        scope=("openid", "profile"),
        audience=None,
        session_id=None,
        created_at=now,
    )
    token_hash = secrets.token_hex(16)
    async with container.db.transaction() as uow:
        await uow.applications.add(app)
        await uow.grants.add(grant)
        await uow.sessions.add(
            Session(
                tenant_id=tenant.id,
                id_hash=secrets.token_hex(16),
                sid="sid_" + secrets.token_hex(8),
                user_id=user.user_id,
                auth_time=now,
                amr=("pwd",),
                created_at=now,
                last_seen_at=now,
                idle_expires_at=now + timedelta(hours=1),
                expires_at=now + timedelta(days=1),
            )
        )
        await uow.refresh_tokens.add(
            RefreshToken(
                tenant_id=tenant.id,
                token_hash=token_hash,
                grant_id=grant.id,
                client_id=app.client_id,
                user_id=user.user_id,
                scope=("openid",),
                created_at=now,
                expires_at=now + timedelta(days=30),
                idle_expires_at=now + timedelta(days=7),
            )
        )
    await container.audit.emit(
        SecurityEvent.create(
            EventType.USER_LOGIN_SUCCEEDED,
            clock=container.clock,
            tenant_id=tenant.id,
            actor=Actor.user(user.user_id),
            ip="203.0.113.5",
        )
    )
    return Seeded(tenant, user, marker, token_hash)
