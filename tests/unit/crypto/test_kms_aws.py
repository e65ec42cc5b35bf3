"""DP-01: AWS KMS specifics, against moto in server mode on loopback.

Wrap/unwrap, context binding, tampering and rotation are in test_kms_contract.py.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tier0.crypto import KmsError, build_kms
from tier0.crypto.kms.aws import AwsKms

pytest.importorskip("boto3")

CTX = {"tenant": "ten_1", "purpose": "data-key"}
REGION = "eu-west-1"


@pytest.fixture
def alias(unique_name: str) -> str:
    return f"alias/{unique_name}"


@pytest.fixture
def kms(kms_client: Any, alias: str) -> AwsKms:
    return AwsKms.open(kms_client, alias=alias, create=True)


def test_dp01_missing_alias_fails_closed(kms_client: Any, alias: str) -> None:
    with pytest.raises(KmsError, match="does not exist"):
        AwsKms.open(kms_client, alias=alias)


def test_alias_must_be_an_alias(kms_client: Any) -> None:
    with pytest.raises(KmsError, match="alias/"):
        AwsKms.open(kms_client, alias="tier0-kek")


def test_dp01_create_makes_key_behind_alias(kms: AwsKms, kms_client: Any, alias: str) -> None:
    assert kms.current_key_id.startswith(f"arn:aws:kms:{REGION}:")
    assert kms_client.describe_key(KeyId=alias)["KeyMetadata"]["Arn"] == kms.current_key_id
    assert AwsKms.open(kms_client, alias=alias).current_key_id == kms.current_key_id
    assert alias in repr(kms)


async def test_dp01_data_key_never_in_ciphertext(kms: AwsKms) -> None:
    data_key = os.urandom(32)
    wrapped = await kms.wrap(data_key, context=CTX)
    assert data_key not in wrapped.ciphertext


async def test_dp01_rotation_moves_the_alias(kms: AwsKms, kms_client: Any, alias: str) -> None:
    new_id = await kms.rotate()
    assert kms_client.describe_key(KeyId=alias)["KeyMetadata"]["Arn"] == new_id


async def test_dp01_other_node_sees_rotation(kms: AwsKms, kms_client: Any, alias: str) -> None:
    other = AwsKms.open(kms_client, alias=alias)
    new_id = await kms.rotate()
    await other.reload()
    assert other.current_key_id == new_id


async def test_dp03_destroy_schedules_deletion_of_old_kek(kms: AwsKms, kms_client: Any) -> None:
    old = await kms.wrap(b"dk", context=CTX)
    with pytest.raises(KmsError, match="current"):
        await kms.destroy(old.key_id)
    await kms.rotate()
    with pytest.raises(KmsError, match="deletion window"):
        await kms.destroy(old.key_id, pending_days=1)
    await kms.destroy(old.key_id, pending_days=7)
    state = kms_client.describe_key(KeyId=old.key_id)["KeyMetadata"]["KeyState"]
    # AWS refuses Decrypt for a key pending deletion (KMSInvalidStateException) and then
    # deletes it; moto does not model that refusal, so the key state is what we check.
    assert state == "PendingDeletion"


async def test_unreachable_endpoint_is_a_kms_error(kms_client: Any) -> None:
    boto3 = pytest.importorskip("boto3")
    client = boto3.session.Session().client(
        "kms",
        region_name=REGION,
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    kms = AwsKms(client, alias="alias/x", key_arn="arn:aws:kms:eu-west-1:1:key/x")
    with pytest.raises(KmsError, match="AWS KMS encrypt failed"):
        await kms.wrap(b"k" * 32, context=CTX)


def test_build_kms_aws(moto_endpoint: str, alias: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # build_kms uses the standard credential chain: give it fake credentials only.
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    with pytest.raises(KmsError, match="does not exist"):
        build_kms("aws", alias=alias, region=REGION, endpoint_url=moto_endpoint)
    kms = build_kms("aws", alias=alias, region=REGION, endpoint_url=moto_endpoint, create=True)
    assert kms.current_key_id.startswith("arn:aws:kms:")


def test_dp01_disabled_kek_fails_closed(kms: AwsKms, kms_client: Any, alias: str) -> None:
    kms_client.disable_key(KeyId=kms.current_key_id.rsplit("/", 1)[-1])
    with pytest.raises(KmsError, match="Disabled"):
        AwsKms.open(kms_client, alias=alias)


def test_dp01_non_symmetric_key_refused(kms_client: Any, alias: str) -> None:
    key = kms_client.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")
    kms_client.create_alias(AliasName=alias, TargetKeyId=key["KeyMetadata"]["KeyId"])
    with pytest.raises(KmsError, match="symmetric encryption key"):
        AwsKms.open(kms_client, alias=alias)
