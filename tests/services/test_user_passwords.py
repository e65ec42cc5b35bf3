"""The password policy and imported hashes, wired into the user service (PW-02..PW-05)."""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unique
from tests.unit.users.conftest import LEAKED, FakeRangeServer
from tests.unit.users.test_imported_hashes import (
    ARGON2ID,
    BCRYPT_2A,
    PBKDF2_SHA256_RFC7914,
)
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Tenant
from tier0.errors import InvalidInput
from tier0.services.users import InvalidCredentials, UserSpec
from tier0.settings import Settings
from tier0.storage.sql.repos.password_history import sql_password_history
from tier0.users.imported_hashes import is_imported
from tier0.users.password_policy import PasswordRejected, RejectionCode

GOOD = "Vq7#zLm2-pXr9!eWk"


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    return await container.tenants.create(unique("acme"), by=ChangedBy.cli())


async def rejected(container: Container, tenant: Tenant, password: str, **spec: Any) -> str:
    email = spec.pop("email", "alice.smith@example.com")
    with pytest.raises(PasswordRejected) as info:
        await container.users.create(
            tenant, UserSpec(email=email, password=password, **spec), by=ChangedBy.cli()
        )
    assert isinstance(info.value, InvalidInput)  # every surface already renders these
    return info.value.code


async def test_pw03_tenant_default_min_length_is_12(container: Container, tenant: Tenant) -> None:
    assert await rejected(container, tenant, "Vq7#zLm2-pX") == RejectionCode.TOO_SHORT
    user = await container.users.create(
        tenant, UserSpec(email="a@example.com", password=GOOD), by=ChangedBy.cli()
    )
    assert user.password_hash is not None and user.password_hash.startswith("$2b$10$")


async def test_pw04_byte_cap_message_and_code(container: Container, tenant: Tenant) -> None:
    assert await rejected(container, tenant, "x" * 1_000_000) == RejectionCode.TOO_LONG


async def test_pw05_blocklist_and_user_info_on_create(container: Container, tenant: Tenant) -> None:
    assert await rejected(container, tenant, "password1234") == RejectionCode.BLOCKLISTED
    code = await rejected(container, tenant, "AliceSmith2024!", name="Alice Smith")
    assert code == RejectionCode.CONTAINS_USER_INFO
    with_tenant = f"{tenant.name}-is-great"
    assert await rejected(container, tenant, with_tenant) == RejectionCode.CONTAINS_USER_INFO
    await container.users.create(
        tenant, UserSpec(email="alice@example.com", password=GOOD), by=ChangedBy.cli()
    )


async def test_pw05_set_password_applies_the_policy_with_the_users_context(
    container: Container, tenant: Tenant
) -> None:
    user = await container.users.create(
        tenant, UserSpec(email="bob.marley@example.com", username="rastaman"), by=ChangedBy.cli()
    )
    for password, code in [
        ("bob.marley-2024", RejectionCode.CONTAINS_USER_INFO),
        ("rastaman1234!", RejectionCode.CONTAINS_USER_INFO),
        ("qwertyuiop123", RejectionCode.BLOCKLISTED),
    ]:
        with pytest.raises(PasswordRejected) as info:
            await container.users.set_password(tenant, user.user_id, password, by=ChangedBy.cli())
        assert info.value.code == code
    await container.users.set_password(tenant, user.user_id, GOOD, by=ChangedBy.cli())
    assert (await container.users.authenticate(tenant, user.email, GOOD)).logins_count == 1
    # The owner is told (dev outbox here); the mail holds no password.
    [mail] = (container.settings.data_dir / "outbox").iterdir()
    assert b"was changed" in mail.read_bytes() and GOOD.encode() not in mail.read_bytes()


async def test_pw03_nfkc_composed_and_decomposed_sign_in_alike(
    container: Container, tenant: Tenant
) -> None:
    composed = "Caf\N{LATIN SMALL LETTER E WITH ACUTE}-Vq7#zLm2-pXr9"
    await container.users.create(
        tenant, UserSpec(email="n@example.com", password=composed), by=ChangedBy.cli()
    )
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    await container.users.authenticate(tenant, "n@example.com", decomposed)


@pytest.fixture
async def strict_container(tmp_path: Path) -> AsyncIterator[tuple[Container, str]]:
    name = unique("bank")
    settings = Settings(
        data_dir=tmp_path / "strict",
        bcrypt_cost=10,
        hash_workers=2,
        password_min_length_by_tenant={name: 15},
    )
    built = Container.build(settings, clock=FrozenClock())
    await built.migrate()
    try:
        yield built, name
    finally:
        await built.close()


async def test_pw03_per_tenant_minimum_for_password_only_tenants(
    strict_container: tuple[Container, str],
) -> None:
    container, name = strict_container
    strict = await container.tenants.create(name, by=ChangedBy.cli())
    relaxed = await container.tenants.create(unique("shop"), by=ChangedBy.cli())
    assert container.passwords.policy_for(strict.name).min_length == 15
    fourteen = "Vq7#zLm2-pXr9!e"[:14]
    await container.users.create(
        relaxed, UserSpec(email="a@example.com", password=fourteen), by=ChangedBy.cli()
    )
    with pytest.raises(PasswordRejected) as info:
        await container.users.create(
            strict, UserSpec(email="a@example.com", password=fourteen), by=ChangedBy.cli()
        )
    assert info.value.code == RejectionCode.TOO_SHORT


IMPORT_FILE: list[dict[str, Any]] = [
    {"email": "bcrypt@example.com", "password_hash": BCRYPT_2A, "user_id": "legacy-1"},
    {
        "email": "argon@example.com",
        "custom_password_hash": {"algorithm": "argon2", "hash": {"value": ARGON2ID}},
    },
    {
        "email": "pbkdf2@example.com",
        "custom_password_hash": {"algorithm": "pbkdf2", "hash": {"value": PBKDF2_SHA256_RFC7914}},
    },
    {
        "email": "salted@example.com",
        "custom_password_hash": {
            "algorithm": "sha256",
            "hash": {"value": "cc0c19e7e854dad3a1ac59d270a830024c7d2efa248ea80d0a27223f30bbf504"},
            "salt": {"value": "NaCl", "position": "prefix"},
        },
    },
    {"email": "broken@example.com", "custom_password_hash": {"algorithm": "crc32"}},
    {"email": "bcrypt@example.com"},
]
PASSWORDS = {
    "bcrypt@example.com": "U*U",
    "argon@example.com": "password",
    "pbkdf2@example.com": "passwd",
    "salted@example.com": "correct horse",
}


async def test_pw02_imported_users_sign_in_and_are_upgraded_to_the_policy(
    container: Container, tenant: Tenant
) -> None:
    summary = await container.user_import.run(
        tenant, json.dumps(IMPORT_FILE).encode(), by=ChangedBy.cli()
    )
    assert (summary.total, summary.inserted, summary.existing) == (6, 4, 0)
    assert [(p.index, p.code) for p in summary.problems] == [(4, "FORMAT"), (5, "DUPLICATED_USER")]
    legacy = await container.users.get(tenant, "auth0|legacy-1")
    assert legacy.email == "bcrypt@example.com"
    for email, password in PASSWORDS.items():
        before = await container.users.find_by_email(tenant, email)
        assert before is not None and before.password_hash is not None
        # A failed sign-in neither succeeds nor rehashes.
        with pytest.raises(InvalidCredentials):
            await container.users.authenticate(tenant, email, password + "-wrong")
        again = await container.users.find_by_email(tenant, email)
        assert again is not None and again.password_hash == before.password_hash
        user = await container.users.authenticate(tenant, email, password)
        assert user.password_hash is not None and user.password_hash.startswith("$2b$10$")
        assert not is_imported(user.password_hash)
        # The upgraded hash is the one used from now on.
        await container.users.authenticate(tenant, email, password)


async def test_import_is_idempotent(container: Container, tenant: Tenant) -> None:
    # user_id is unique across tenants, and the PostgreSQL database is shared by the session:
    # give this run's records ids of their own.
    suffix = unique("r")
    records = [
        {**r, "user_id": f"{r['user_id']}-{suffix}"} if "user_id" in r else r for r in IMPORT_FILE
    ]
    raw = json.dumps(records).encode()
    first = await container.user_import.run(tenant, raw, by=ChangedBy.cli())
    second = await container.user_import.run(tenant, raw, by=ChangedBy.cli())
    assert (second.inserted, second.existing) == (0, first.inserted)
    assert second.problems == first.problems
    assert await container.users.count(tenant) == 4


async def test_import_reports_store_conflicts_by_index(
    container: Container, tenant: Tenant
) -> None:
    await container.users.create(
        tenant, UserSpec(email="x@example.com", user_id="auth0|taken"), by=ChangedBy.cli()
    )
    raw = json.dumps([{"email": "y@example.com", "user_id": "taken"}]).encode()
    summary = await container.user_import.run(tenant, raw, by=ChangedBy.cli())
    assert [(p.index, p.code) for p in summary.problems] == [(0, "CONFLICT")]
    with pytest.raises(InvalidInput):
        await container.user_import.run(tenant, b"not json", by=ChangedBy.cli())


async def test_pw05_online_check_when_enabled(tmp_path: Path) -> None:
    range_server = FakeRangeServer()
    thread = threading.Thread(target=range_server.serve_forever, daemon=True)
    thread.start()
    settings = Settings(
        data_dir=tmp_path / "hibp",
        bcrypt_cost=10,
        hash_workers=2,
        hibp_check=True,
        hibp_url=range_server.url,
    )
    container = Container.build(settings, clock=FrozenClock())
    try:
        await container.migrate()
        tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
        with pytest.raises(PasswordRejected) as info:
            await container.users.create(
                tenant, UserSpec(email="h@example.com", password=LEAKED), by=ChangedBy.cli()
            )
        assert info.value.code == RejectionCode.BLOCKLISTED
        await container.users.create(
            tenant, UserSpec(email="h@example.com", password=GOOD), by=ChangedBy.cli()
        )
        assert len(range_server.requests) == 2
    finally:
        await container.close()
        range_server.shutdown()
        range_server.server_close()
        thread.join()


@pytest.fixture
async def history_container(tmp_path: Path) -> AsyncIterator[Container]:
    settings = Settings(
        data_dir=tmp_path / "history", bcrypt_cost=10, hash_workers=2, password_history_size=3
    )
    built = Container.build(settings, clock=FrozenClock())
    await built.migrate()
    try:
        yield built
    finally:
        await built.close()


async def stored_history(container: Container, tenant: Tenant, user_id: str) -> int:
    async with container.db.read() as uow:
        return len(await sql_password_history(uow).recent(tenant.id, user_id, 24))


async def test_pw05_password_history_refuses_the_last_n(history_container: Container) -> None:
    container = history_container
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    first, second, third, fourth = (f"Vq7#zLm2-pXr9!{c}Wk" for c in "ABCD")
    user = await container.users.create(
        tenant, UserSpec(email="h@example.com", password=first), by=ChangedBy.cli()
    )
    await container.users.set_password(tenant, user.user_id, second, by=ChangedBy.cli())
    for reused in (first, second):  # an older one and the current one
        with pytest.raises(PasswordRejected) as info:
            await container.users.set_password(tenant, user.user_id, reused, by=ChangedBy.cli())
        assert info.value.code == RejectionCode.REUSED
    await container.users.set_password(tenant, user.user_id, third, by=ChangedBy.cli())
    await container.users.set_password(tenant, user.user_id, fourth, by=ChangedBy.cli())
    # Only history_size - 1 old hashes are kept besides the current one ...
    assert await stored_history(container, tenant, user.user_id) == 2
    # ... so the password from four changes ago may come back.
    await container.users.set_password(tenant, user.user_id, first, by=ChangedBy.cli())
    await container.users.authenticate(tenant, "h@example.com", first)


async def test_history_off_by_default_keeps_no_old_hashes(
    container: Container, tenant: Tenant
) -> None:
    user = await container.users.create(
        tenant, UserSpec(email="o@example.com", password=GOOD), by=ChangedBy.cli()
    )
    await container.users.set_password(tenant, user.user_id, GOOD, by=ChangedBy.cli())
    assert await stored_history(container, tenant, user.user_id) == 0
