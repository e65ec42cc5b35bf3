"""Servers for the KMS provider tests: moto (AWS KMS) and a fake Vault Transit, both on
loopback and started once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.crypto.transit_fake import FakeTransit
from tier0.crypto import random_id, random_token
from tier0.crypto.kms import Kms, LocalKms, VaultTransitKms

AWS_REGION = "eu-west-1"
VAULT_TOKEN = "hvs.test-" + random_token()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def kms_client(moto_endpoint: str) -> Any:
    """A boto3 KMS client for moto, with explicit fake credentials (never real ones)."""
    boto3 = pytest.importorskip("boto3")
    return boto3.session.Session().client(
        "kms",
        region_name=AWS_REGION,
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def transit() -> Iterator[FakeTransit]:
    with FakeTransit(VAULT_TOKEN) as fake:
        yield fake


@pytest.fixture
def vault_token() -> str:
    return VAULT_TOKEN


@pytest.fixture
def unique_name() -> str:
    """A fresh name for an alias or Transit key, so tests sharing a server never collide."""
    return "tier0-kek-" + random_id()


@pytest.fixture(params=["local", "aws", "vault"])
async def any_kms(
    request: pytest.FixtureRequest, tmp_path: Path, unique_name: str
) -> AsyncIterator[Kms]:
    """Every test using this runs once per KMS provider (the Kms port contract)."""
    if request.param == "local":
        yield LocalKms.open(tmp_path / "kek.json", create=True)
    elif request.param == "aws":
        from tier0.crypto.kms.aws import AwsKms

        client = request.getfixturevalue("kms_client")
        yield AwsKms.open(client, alias=f"alias/{unique_name}", create=True)
    else:
        fake: FakeTransit = request.getfixturevalue("transit")
        vault = VaultTransitKms.open(
            url=fake.url, token=VAULT_TOKEN, key_name=unique_name, create=True
        )
        yield vault
        await vault.aclose()
