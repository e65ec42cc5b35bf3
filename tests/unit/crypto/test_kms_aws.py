"""DP-01: the AWS KMS provider, against moto in server mode on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tier0.crypto import KmsError, WrappedKey, build_kms, random_id
from tier0.crypto.kms import Kms
from tier0.crypto.kms.aws import AwsKms

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

CTX = {"tenant": "ten_1", "purpose": "data-key"}
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fake credentials for the fake endpoint; never the developer's real ones.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture
def client(endpoint: str, aws_env: None) -> Any:
    return boto3.session.Session().client("kms", region_name=REGION, endpoint_url=endpoint)


@pytest.fixture
def alias() -> str:
    return f"alias/tier0-test-{random_id()}"


@pytest.fixture
def kms(client: Any, alias: str) -> AwsKms:
    return AwsKms.open(client, alias=alias, create=True)


def test_dp01_missing_alias_fails_closed(client: Any, alias: str) -> None:
    with pytest.raises(KmsError, match="does not exist"):
        AwsKms.open(client, alias=alias)


def test_dp01_create_makes_key_behind_alias(kms: AwsKms, client: Any, alias: str) -> None:
    assert isinstance(kms, Kms)
    assert kms.current_key_id.startswith(f"arn:aws:kms:{REGION}:")
    assert client.describe_key(KeyId=alias)["KeyMetadata"]["Arn"] == kms.current_key_id
    assert AwsKms.open(client, alias=alias).current_key_id == kms.current_key_id


async def test_dp01_wrap_unwrap_through_text(kms: AwsKms) -> None:
    data_key = os.urandom(32)
    wrapped = await kms.wrap(data_key, context=CTX)
    assert wrapped.key_id == kms.current_key_id
    assert data_key not in wrapped.ciphertext
    stored = WrappedKey.from_text(wrapped.to_text())
    assert await kms.unwrap(stored, context=dict(reversed(CTX.items()))) == data_key


@pytest.mark.parametrize(
    "other", [{"tenant": "ten_2", "purpose": "data-key"}, {"tenant": "ten_1"}, {}]
)
async def test_dp01_wrong_encryption_context_refused(kms: AwsKms, other: dict[str, str]) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    with pytest.raises(KmsError, match="could not be unwrapped"):
        await kms.unwrap(wrapped, context=other)


async def test_dp01_tampered_ciphertext_refused(kms: AwsKms) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    flipped = bytearray(wrapped.ciphertext)
    flipped[-1] ^= 0x01
    with pytest.raises(KmsError):
        await kms.unwrap(WrappedKey(wrapped.key_id, bytes(flipped)), context=CTX)


async def test_dp01_rotate_then_unwrap_old(kms: AwsKms, client: Any, alias: str) -> None:
    old = await kms.wrap(b"old data key", context=CTX)
    new_id = await kms.rotate()
    assert new_id != old.key_id
    assert kms.current_key_id == new_id
    assert client.describe_key(KeyId=alias)["KeyMetadata"]["Arn"] == new_id
    new = await kms.wrap(b"new data key", context=CTX)
    assert new.key_id == new_id
    assert await kms.unwrap(old, context=CTX) == b"old data key"
    assert await kms.unwrap(new, context=CTX) == b"new data key"


async def test_dp01_wrapped_key_bound_to_its_kek(kms: AwsKms) -> None:
    old = await kms.wrap(b"dk", context=CTX)
    await kms.rotate()
    with pytest.raises(KmsError):
        await kms.unwrap(WrappedKey(kms.current_key_id, old.ciphertext), context=CTX)


async def test_dp01_other_node_sees_rotation(kms: AwsKms, client: Any, alias: str) -> None:
    other = AwsKms.open(client, alias=alias)
    new_id = await kms.rotate()
    await other.reload()
    assert other.current_key_id == new_id


async def test_dp03_destroy_schedules_deletion_of_old_kek(kms: AwsKms, client: Any) -> None:
    old = await kms.wrap(b"dk", context=CTX)
    with pytest.raises(KmsError, match="current"):
        await kms.destroy(old.key_id)
    await kms.rotate()
    await kms.destroy(old.key_id, pending_days=7)
    state = client.describe_key(KeyId=old.key_id)["KeyMetadata"]["KeyState"]
    # AWS refuses Decrypt for a key pending deletion (KMSInvalidStateException) and then
    # deletes it; moto does not model that refusal, so the key state is what we check.
    assert state == "PendingDeletion"


async def test_unreachable_endpoint_is_a_kms_error(aws_env: None) -> None:
    client = boto3.session.Session().client(
        "kms", region_name=REGION, endpoint_url="http://127.0.0.1:9"
    )
    kms = AwsKms(client, alias="alias/x", key_arn="arn:aws:kms:eu-west-1:1:key/x")
    with pytest.raises(KmsError, match="AWS KMS encrypt failed"):
        await kms.wrap(b"k" * 32, context=CTX)


def test_build_kms_aws(endpoint: str, aws_env: None, alias: str) -> None:
    with pytest.raises(KmsError, match="does not exist"):
        build_kms("aws", alias=alias, region=REGION, endpoint_url=endpoint)
    kms = build_kms("aws", alias=alias, region=REGION, endpoint_url=endpoint, create=True)
    assert kms.current_key_id.startswith("arn:aws:kms:")
