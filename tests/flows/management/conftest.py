"""Fixtures for the management API tests: a caller with every management scope."""

from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.flows.management.harness import Caller, TenantKeys, install_keys, make_caller
from tier0.container import Container


@pytest.fixture
def keys(container: Container) -> TenantKeys:
    return install_keys(container)


@pytest.fixture
async def caller(container: Container, keys: TenantKeys) -> Caller:
    return await make_caller(container, keys, unique("mgmt"))
