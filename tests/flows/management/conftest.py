"""Fixtures for the management API tests: a container whose tenants sign with ES256 (fast
key generation; the API accepts every allow-listed alg) and a caller with every scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import unique
from tests.flows.management.harness import Caller, make_caller
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.settings import Settings


@pytest.fixture
async def container(
    tmp_path: Path, database_url: str | None, clock: FrozenClock, request: pytest.FixtureRequest
) -> AsyncIterator[Container]:
    # A shared PostgreSQL database needs the session's one key file (DP-01 fails closed).
    key_file = request.getfixturevalue("shared_kms_key_file") if database_url else None
    settings = Settings(
        key_file=key_file,
        data_dir=tmp_path / "data",
        database_url=database_url,
        bcrypt_cost=10,
        hash_workers=2,
        signing_alg="ES256",
        rate_limits_enabled=False,  # the limits have their own tests; the clock is frozen here
    )
    built = Container.build(settings, clock=clock)
    await built.migrate()
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
async def caller(container: Container) -> Caller:
    return await make_caller(container, unique("mgmt"))
