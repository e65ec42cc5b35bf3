"""DP-03: destroying a tenant deletes its rows and shreds its data key, so a database backup
taken before the destruction, restored afterwards with the current key file, no longer
decrypts the tenant's personal data; the certificate is signed and verifiable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.privacy.conftest import seed_user
from tests.unit.secrets.conftest import call
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.crypto.kms.base import KmsError
from tier0.errors import InvalidInput, NotFound
from tier0.privacy.destruction import CERTIFICATE_TYP
from tier0.settings import Settings


def settings_in(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", bcrypt_cost=10, hash_workers=1, signing_alg="ES256")


async def started(settings: Settings) -> Container:
    container = Container.build(settings, clock=FrozenClock())
    await container.migrate()
    return container


def backup(data_dir: Path, target: Path) -> None:
    target.mkdir()
    for path in data_dir.glob("tier0.db*"):
        shutil.copy2(path, target / path.name)


def restore(source: Path, data_dir: Path) -> None:
    for path in data_dir.glob("tier0.db*"):
        path.unlink()
    for path in source.iterdir():
        shutil.copy2(path, data_dir / path.name)


async def test_dp03_restored_backup_does_not_decrypt_a_destroyed_tenant(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    container = await started(settings)
    try:
        await container.tenants.ensure(settings.default_tenant, by=ChangedBy.cli())
        seeded = await seed_user(container)
        await container.secrets.put(seeded.tenant, "smtp", b"s3cret", actor=Actor.admin("a"))
    finally:
        await container.close()
    backup(settings.data_dir, tmp_path / "backup")

    container = await started(settings)
    try:
        certificate = await container.privacy.destroyer.destroy(
            seeded.tenant.name, by=ChangedBy.cli()
        )
        claims = await container.privacy.notary.verify(certificate.token, typ=CERTIFICATE_TYP)
        with pytest.raises(NotFound):
            await container.tenants.get(seeded.tenant.name)
    finally:
        await container.close()
    assert claims["sub"] == seeded.tenant.id and claims == {
        **certificate.claims,
        **{k: claims[k] for k in ("iss", "iat", "jti")},
    }
    assert claims["deleted_rows"]["users"] == 1 and claims["deleted_rows"]["tenant_keys"] == 1
    assert claims["data_keys"] == [{"version": 1, "wrapped_under": "local:v1"}]
    assert claims["kek"]["destroyed"] == ["local:v1"] and claims["kek"]["shredded"]

    restore(tmp_path / "backup", settings.data_dir)
    container = await started(settings)  # the current key file, the old database
    try:
        tenant = await container.tenants.get(seeded.tenant.name)  # the rows are back ...
        with pytest.raises(KmsError):  # ... but nothing of them opens
            await container.users.get(tenant, seeded.user.user_id)
        with pytest.raises(KmsError):
            await container.secrets.get(tenant, "smtp", actor=Actor.admin("a"))
    finally:
        await container.close()


async def test_dp03_surviving_tenants_stay_readable(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    container = await started(settings)
    try:
        await container.tenants.ensure(settings.default_tenant, by=ChangedBy.cli())
        keep, gone = await seed_user(container), await seed_user(container)
        await container.privacy.destroyer.destroy(gone.tenant.name, by=ChangedBy.cli())
        container.keyring.forget(keep.tenant.id)  # unwrap again, under the new KEK
        user = await container.users.get(keep.tenant, keep.user.user_id)
        assert user.email == keep.user.email
        with pytest.raises(InvalidInput, match="default tenant"):
            await container.privacy.destroyer.destroy(settings.default_tenant, by=ChangedBy.cli())
    finally:
        await container.close()


def test_dp03_cli_destroy_needs_yes_and_prints_a_certificate(cli: CliRunner) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, _, err = call(cli, "tenant", "destroy", "acme")
    assert code == 2 and "--yes" in err
    code, out, _ = call(cli, "tenant", "destroy", "acme", "--yes")
    assert code == 0 and '"destroyed": [' in out and out.strip().splitlines()[-1].count(".") == 2
    assert call(cli, "tenant", "show", "acme")[0] == 2
