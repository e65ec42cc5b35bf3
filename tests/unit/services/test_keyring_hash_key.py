"""The tenant keyring keeps each tenant's prepared hash key, and forgets it with the tenant."""

from __future__ import annotations

from pathlib import Path

from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", public_url="http://127.0.0.1:9")


async def test_the_hash_key_is_kept_per_tenant_and_forgotten_with_its_keys(
    tmp_path: Path,
) -> None:
    container = Container.build(_settings(tmp_path), clock=FrozenClock())
    try:
        await container.migrate()
        acme = await container.tenants.create("acme", by=ChangedBy.cli())
        beta = await container.tenants.create("beta", by=ChangedBy.cli())
        keyring = container.keyring
        first = await keyring.hash_key(acme.id)
        assert await keyring.hash_key(acme.id) is first  # prepared once, not per request
        digest = first.digest("s3cret", purpose="client-secret")
        assert (await keyring.hash_key(beta.id)).digest("s3cret", purpose="client-secret") != digest
        keyring.forget(acme.id)  # destruction and KEK changes drop every derived key
        again = await keyring.hash_key(acme.id)
        assert again is not first
        assert again.digest("s3cret", purpose="client-secret") == digest
    finally:
        await container.close()
