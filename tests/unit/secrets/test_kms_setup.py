"""DP-01: the key-encryption key is chosen by settings, created only for a brand-new store,
and its loss stops start-up and every command with one clear line; `tier0 kms rotate` and
`rewrap` keep every sealed value readable."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from tests.unit.secrets.conftest import call
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.crypto.kms.base import KmsError, WrappedKey
from tier0.crypto.kms.local import LocalKms
from tier0.services.users import UserSpec
from tier0.settings import Settings


def settings_in(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", bcrypt_cost=10, hash_workers=1)


async def test_dp01_fresh_store_creates_a_private_key_file(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    container = Container.build(settings, clock=FrozenClock())
    try:
        await container.migrate()
        key_file = settings.data_dir / "master.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert container.kms.current_key_id == "local:v1"
    finally:
        await container.close()


async def test_dp01_lost_key_file_fails_closed_and_is_not_recreated(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    first = Container.build(settings, clock=FrozenClock())
    try:
        await first.migrate()
        await first.tenants.create("acme", by=ChangedBy.cli())
    finally:
        await first.close()
    key_file = settings.data_dir / "master.key"
    key_file.unlink()

    again = Container.build(settings, clock=FrozenClock())
    try:
        with pytest.raises(KmsError, match="fail closed") as raised:
            await again.migrate()
    finally:
        await again.close()
    assert "\n" not in str(raised.value)
    assert not key_file.exists()  # a fresh key would silently orphan every wrapped key


def test_dp01_every_command_refuses_without_the_key_file(cli: CliRunner, tmp_path: Path) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    (tmp_path / "data" / "master.key").unlink()
    for command in (["tenant", "list"], ["kms", "status"], ["migrate"]):
        code, out, err = call(cli, *command)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "master.key is missing" in err and "fail closed" in err


def test_dp01_world_readable_key_file_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    (tmp_path / "data" / "master.key").chmod(0o644)
    code, _, err = call(cli, "tenant", "list")
    assert code == 2 and "accessible by group or others" in err


def test_dp01_vault_needs_url_and_token() -> None:
    with pytest.raises(ValidationError, match="vault_url and vault_token"):
        Settings(kms="vault", vault_url="https://vault.test")


def test_dp01_kms_rotate_then_rewrap_keeps_everything_readable(
    cli: CliRunner, tmp_path: Path
) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, _, _ = call(cli, "user", "create", "-t", "acme", "--email", "kms@example.com")
    assert code == 0
    assert call(cli, "key", "rotate", "-t", "acme")[0] == 0
    code, out, _ = call(cli, "kms", "rotate")
    assert code == 0 and "local:v2" in out
    code, out, _ = call(cli, "kms", "rewrap")
    assert code == 0 and "re-wrapped 1 data key(s) under local:v2" in out

    # The old key-encryption key can now be destroyed; everything still opens.
    key_file = tmp_path / "data" / "master.key"
    kms = LocalKms.open(key_file, create=False)
    asyncio.run(kms.destroy("local:v1"))
    code, out, _ = call(cli, "user", "list", "-t", "acme", "--json")
    assert code == 0 and "kms@example.com" in out
    code, out, _ = call(cli, "key", "list", "-t", "acme", "--json")
    assert code == 0 and '"state": "active"' in out


async def test_dp01_rewrap_moves_wrapped_keys_to_the_new_kek(tmp_path: Path) -> None:
    container = Container.build(settings_in(tmp_path), clock=FrozenClock())
    try:
        await container.migrate()
        tenant = await container.tenants.create("acme", by=ChangedBy.cli())
        user = await container.users.create(
            tenant, UserSpec(email="r@example.com"), by=ChangedBy.cli()
        )
        await container.kms.rotate()
        assert await container.keyring.rewrap_all() == 1
        async with container.db.read() as uow:
            stored = await uow.tenant_keys.get(tenant.id, 1)
        assert stored is not None and WrappedKey.from_text(stored.wrapped).key_id == "local:v2"
        container.keyring.forget(tenant.id)  # force an unwrap through the new KEK
        assert (await container.users.get(tenant, user.user_id)).email == "r@example.com"
    finally:
        await container.close()
