"""DP-02 (white box): the users table holds no email or profile field in clear, yet sign-in
by email and email uniqueness keep working; rows from before the change get sealed."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import text

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.errors import Conflict
from tier0.services.users import UserSpec


async def test_dp02_profile_is_sealed_and_sign_in_by_email_works(container: Container) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    marker = unique("canary")
    email = f"{marker}@Example.com"
    spec = UserSpec(
        email=email,
        password="correct horse battery",
        name=f"Name {marker}",
        given_name=f"Given{marker}",
        family_name=f"Family{marker}",
        nickname=f"nick{marker}",
    )
    user = await container.users.create(tenant, spec, by=ChangedBy.cli())

    async with container.db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM users"))).all()
    dumped = repr(rows)
    assert marker not in dumped and marker.lower() not in dumped

    signed_in = await container.users.authenticate(
        tenant, email.upper(), "correct horse battery", ip="203.0.113.9"
    )
    assert signed_in.user_id == user.user_id and signed_in.name == f"Name {marker}"
    found = await container.users.find_by_email(tenant, f" {email.lower()} ")
    assert found is not None and found.last_ip == "203.0.113.9" and found.email == email
    with pytest.raises(Conflict):
        await container.users.create(tenant, UserSpec(email=email.lower()), by=ChangedBy.cli())


async def test_dp02_sqlite_file_holds_no_clear_pii(container: Container, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("file bytes are a SQLite check; PostgreSQL is covered by the canary dump")
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    marker = unique("filecanary")
    await container.users.create(
        tenant, UserSpec(email=f"{marker}@example.com", name=marker), by=ChangedBy.cli()
    )
    await container.db.close()
    data_dir = container.settings.data_dir
    for path in data_dir.glob("tier0.db*"):
        assert marker.encode() not in path.read_bytes(), path.name


async def test_dp02_rows_from_before_the_change_are_sealed_by_migrate(
    container: Container,
) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    marker = unique("legacy")
    async with container.db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (user_id, tenant_id, email, email_normalized, email_verified,"
                " name, blocked, user_metadata, app_metadata, created_at, updated_at,"
                " logins_count, last_ip) VALUES (:id, :tenant, :email, :norm, false, :name,"
                " false, '{}', '{}', :now, :now, 0, '198.51.100.7')"
            ),
            {
                "id": "auth0|" + secrets.token_hex(12),
                "tenant": tenant.id,
                "email": f"{marker}@Example.com",
                "norm": f"{marker}@example.com",
                "name": f"Legacy {marker}",
                "now": tenant.created_at,
            },
        )
    await container.migrate()
    async with container.db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM users"))).all()
    assert marker not in repr(rows)
    found = await container.users.find_by_email(tenant, f"{marker}@EXAMPLE.com")
    assert found is not None and found.name == f"Legacy {marker}"
    assert found.last_ip == "198.51.100.7"
