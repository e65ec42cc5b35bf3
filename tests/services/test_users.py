"""User service: sign-in checks, transparent rehash (PW-02), uniform failures (BF-03)."""

from __future__ import annotations

from dataclasses import replace

import bcrypt
import pytest

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.domain import Tenant
from tier0.errors import Conflict, InvalidInput
from tier0.services.users import InvalidCredentials, UserSpec


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    return await container.tenants.create(unique(), by=ChangedBy.cli())


async def test_pw02_weaker_hash_is_upgraded_at_sign_in(
    container: Container, tenant: Tenant
) -> None:
    user = await container.users.create(tenant, UserSpec(email="u@example.com"), by=ChangedBy.cli())
    weak = bcrypt.hashpw(b"correct horse battery", bcrypt.gensalt(4)).decode()
    async with container.db.transaction() as uow:
        await uow.users.update(replace(user, password_hash=weak))
    # A failed sign-in does not rehash.
    with pytest.raises(InvalidCredentials):
        await container.users.authenticate(tenant, "u@example.com", "wrong password!")
    assert (await container.users.get(tenant, user.user_id)).password_hash == weak
    signed_in = await container.users.authenticate(
        tenant, "U@EXAMPLE.COM", "correct horse battery", ip="203.0.113.7"
    )
    assert signed_in.password_hash is not None and signed_in.password_hash.startswith("$2b$10$")
    assert signed_in.logins_count == 1 and signed_in.last_ip == "203.0.113.7"
    stored = await container.users.get(tenant, user.user_id)
    assert stored.password_hash == signed_in.password_hash


async def test_bf03_unknown_blocked_and_wrong_fail_alike(
    container: Container, tenant: Tenant
) -> None:
    await container.users.create(
        tenant,
        UserSpec(email="b@example.com", password="correct horse battery", blocked=True),
        by=ChangedBy.cli(),
    )
    errors = []
    for email, password in [
        ("nobody@example.com", "correct horse battery"),
        ("b@example.com", "correct horse battery"),
        ("b@example.com", "wrong password here"),
    ]:
        with pytest.raises(InvalidCredentials) as caught:
            await container.users.authenticate(tenant, email, password)
        errors.append(str(caught.value))
    assert len(set(errors)) == 1


async def test_pw04_oversized_password_is_refused_before_hashing(
    container: Container, tenant: Tenant
) -> None:
    with pytest.raises(InvalidInput, match="at most 1024 bytes"):
        await container.users.create(
            tenant, UserSpec(email="c@example.com", password="x" * 1_000_000), by=ChangedBy.cli()
        )
    with pytest.raises(InvalidCredentials):
        await container.users.authenticate(tenant, "c@example.com", "x" * 1_000_000)


async def test_duplicate_email_is_a_conflict(container: Container, tenant: Tenant) -> None:
    await container.users.create(tenant, UserSpec(email="d@example.com"), by=ChangedBy.cli())
    with pytest.raises(Conflict):
        await container.users.create(tenant, UserSpec(email="D@example.com"), by=ChangedBy.cli())


async def test_client_secret_is_stored_as_keyed_hash(container: Container, tenant: Tenant) -> None:
    from tier0.domain import AppType
    from tier0.services.applications import ApplicationSpec

    created = await container.applications.create(
        tenant, ApplicationSpec("svc", AppType.NON_INTERACTIVE), by=ChangedBy.cli()
    )
    secret = created.client_secret
    assert secret is not None and len(secret) >= 43  # 256 bits, OA-09
    app = created.application
    assert app.client_secret_hash is not None and secret not in app.client_secret_hash
    assert await container.applications.secret_matches(tenant, app, secret)
    assert not await container.applications.secret_matches(tenant, app, secret[:-1] + "x")
    rotated = await container.applications.rotate_secret(tenant, app.client_id, by=ChangedBy.cli())
    assert not await container.applications.secret_matches(tenant, rotated.application, secret)
