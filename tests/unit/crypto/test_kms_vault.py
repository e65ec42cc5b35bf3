"""DP-01: Vault Transit specifics, against the fake Transit server on loopback.

Wrap/unwrap, context binding, tampering and rotation are in test_kms_contract.py.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.unit.crypto.transit_fake import FakeTransit
from tier0.crypto import KmsError, WrappedKey, build_kms, random_token
from tier0.crypto.kms.vault import VaultTransitKms

CTX = {"tenant": "ten_1", "purpose": "data-key"}


@pytest.fixture
async def kms(
    transit: FakeTransit, vault_token: str, unique_name: str
) -> AsyncIterator[VaultTransitKms]:
    opened = VaultTransitKms.open(
        url=transit.url, token=vault_token, key_name=unique_name, create=True
    )
    yield opened
    await opened.aclose()


def test_dp01_missing_key_fails_closed(
    transit: FakeTransit, vault_token: str, unique_name: str
) -> None:
    with pytest.raises(KmsError, match="does not exist"):
        VaultTransitKms.open(url=transit.url, token=vault_token, key_name=unique_name)


def test_dp01_refused_token_fails_closed_without_echoing_it(
    transit: FakeTransit, vault_token: str
) -> None:
    wrong = "hvs.wrong-" + random_token()
    with pytest.raises(KmsError, match="denied") as info:
        VaultTransitKms.open(url=transit.url, token=wrong, create=True)
    assert wrong not in str(info.value)
    assert vault_token not in str(info.value)


def test_dp01_empty_token_refused(transit: FakeTransit) -> None:
    with pytest.raises(KmsError, match="empty"):
        VaultTransitKms.open(url=transit.url, token="")


def test_dp01_unreachable_vault_fails_closed(vault_token: str) -> None:
    with pytest.raises(KmsError, match="unreachable"):
        VaultTransitKms.open(url="http://127.0.0.1:9", token=vault_token, timeout=2)


def test_dp01_non_aead_key_type_refused(
    transit: FakeTransit, vault_token: str, unique_name: str
) -> None:
    transit.state.add_key(unique_name, "rsa-2048")
    with pytest.raises(KmsError, match="must be one of"):
        VaultTransitKms.open(url=transit.url, token=vault_token, key_name=unique_name)


async def test_dp01_key_ids_match_vault_versions(
    kms: VaultTransitKms, unique_name: str, vault_token: str
) -> None:
    assert kms.current_key_id == f"transit/{unique_name}:v1"
    wrapped = await kms.wrap(os.urandom(32), context=CTX)
    assert wrapped.ciphertext.startswith(b"vault:v1:")
    assert await kms.rotate() == f"transit/{unique_name}:v2"
    assert (await kms.wrap(b"k", context=CTX)).ciphertext.startswith(b"vault:v2:")
    assert vault_token not in repr(kms)


async def test_dp01_foreign_or_relabelled_key_id_refused(kms: VaultTransitKms) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    for key_id in ("transit/other:v1", wrapped.key_id.replace(":v1", ":v2")):
        with pytest.raises(KmsError, match="not from this Transit key"):
            await kms.unwrap(WrappedKey(key_id, wrapped.ciphertext), context=CTX)


async def test_dp01_other_node_sees_rotation(
    kms: VaultTransitKms, transit: FakeTransit, vault_token: str, unique_name: str
) -> None:
    other = VaultTransitKms.open(url=transit.url, token=vault_token, key_name=unique_name)
    try:
        new_id = await kms.rotate()
        await other.reload()
        assert other.current_key_id == new_id
    finally:
        await other.aclose()


async def test_dp03_destroy_trims_old_versions(kms: VaultTransitKms) -> None:
    old = await kms.wrap(b"tenant data key", context=CTX)
    with pytest.raises(KmsError, match="current"):
        await kms.destroy(old.key_id)
    await kms.rotate()
    live = await kms.wrap(await kms.unwrap(old, context=CTX), context=CTX)  # rewrap
    await kms.destroy(old.key_id)
    assert await kms.unwrap(live, context=CTX) == b"tenant data key"
    with pytest.raises(KmsError, match="could not be unwrapped"):
        await kms.unwrap(old, context=CTX)
    with pytest.raises(KmsError, match="unknown"):
        await kms.destroy("transit/other:v1")


async def test_build_kms_vault(transit: FakeTransit, vault_token: str, unique_name: str) -> None:
    with pytest.raises(KmsError, match="does not exist"):
        build_kms("vault", url=transit.url, token=vault_token, key_name=unique_name)
    kms = build_kms("vault", url=transit.url, token=vault_token, key_name=unique_name, create=True)
    assert isinstance(kms, VaultTransitKms)
    try:
        assert kms.current_key_id == f"transit/{unique_name}:v1"
    finally:
        await kms.aclose()
