"""DP-01: the Vault Transit provider, against a fake Transit server on loopback."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from transit_fake import FakeTransit

from tier0.crypto import KmsError, WrappedKey, build_kms, random_token
from tier0.crypto.kms import Kms
from tier0.crypto.kms.vault import VaultTransitKms

CTX = {"tenant": "ten_1", "purpose": "data-key"}
TOKEN = "hvs.test-" + random_token()


@pytest.fixture(scope="module")
def transit() -> Iterator[FakeTransit]:
    with FakeTransit(TOKEN) as fake:
        yield fake


@pytest.fixture
def key_name() -> str:
    return "tier0-kek-" + random_token(16).lower().replace("_", "x").replace("-", "y")


@pytest.fixture
async def kms(transit: FakeTransit, key_name: str) -> AsyncIterator[VaultTransitKms]:
    opened = VaultTransitKms.open(url=transit.url, token=TOKEN, key_name=key_name, create=True)
    yield opened
    await opened.aclose()


def test_dp01_missing_key_fails_closed(transit: FakeTransit, key_name: str) -> None:
    with pytest.raises(KmsError, match="does not exist"):
        VaultTransitKms.open(url=transit.url, token=TOKEN, key_name=key_name)


def test_dp01_refused_token_fails_closed_without_echoing_it(transit: FakeTransit) -> None:
    wrong = "hvs.wrong-" + random_token()
    with pytest.raises(KmsError, match="denied") as info:
        VaultTransitKms.open(url=transit.url, token=wrong, create=True)
    assert wrong not in str(info.value)
    assert TOKEN not in str(info.value)


def test_dp01_unreachable_vault_fails_closed() -> None:
    with pytest.raises(KmsError, match="unreachable"):
        VaultTransitKms.open(url="http://127.0.0.1:9", token=TOKEN, timeout=2)


def test_dp01_non_aead_key_type_refused(transit: FakeTransit, key_name: str) -> None:
    transit.state.add_key(key_name, "rsa-2048")
    with pytest.raises(KmsError, match="must be one of"):
        VaultTransitKms.open(url=transit.url, token=TOKEN, key_name=key_name)


async def test_dp01_create_then_wrap_unwrap(kms: VaultTransitKms, key_name: str) -> None:
    assert isinstance(kms, Kms)
    assert kms.current_key_id == f"transit/{key_name}:v1"
    data_key = os.urandom(32)
    wrapped = await kms.wrap(data_key, context=CTX)
    assert wrapped.key_id == kms.current_key_id
    assert wrapped.ciphertext.startswith(b"vault:v1:")
    stored = WrappedKey.from_text(wrapped.to_text())
    assert await kms.unwrap(stored, context=dict(reversed(CTX.items()))) == data_key
    assert TOKEN not in repr(kms)


@pytest.mark.parametrize(
    "other", [{"tenant": "ten_2", "purpose": "data-key"}, {"tenant": "ten_1"}, {}]
)
async def test_dp01_wrong_context_refused(kms: VaultTransitKms, other: dict[str, str]) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    with pytest.raises(KmsError, match="could not be unwrapped"):
        await kms.unwrap(wrapped, context=other)


async def test_dp01_tampered_ciphertext_refused(kms: VaultTransitKms) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    text = wrapped.ciphertext.decode()
    last = "A" if text[-3] != "A" else "B"
    tampered = (text[:-3] + last + text[-2:]).encode()
    with pytest.raises(KmsError):
        await kms.unwrap(WrappedKey(wrapped.key_id, tampered), context=CTX)


async def test_dp01_foreign_or_relabelled_key_id_refused(kms: VaultTransitKms) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    for key_id in ("transit/other:v1", wrapped.key_id.replace(":v1", ":v2")):
        with pytest.raises(KmsError, match="not from this Transit key"):
            await kms.unwrap(WrappedKey(key_id, wrapped.ciphertext), context=CTX)


async def test_dp01_rotate_then_unwrap_old(kms: VaultTransitKms, key_name: str) -> None:
    old = await kms.wrap(b"old data key", context=CTX)
    assert await kms.rotate() == f"transit/{key_name}:v2"
    new = await kms.wrap(b"new data key", context=CTX)
    assert new.ciphertext.startswith(b"vault:v2:")
    assert await kms.unwrap(old, context=CTX) == b"old data key"
    assert await kms.unwrap(new, context=CTX) == b"new data key"


async def test_dp01_other_node_sees_rotation(
    kms: VaultTransitKms, transit: FakeTransit, key_name: str
) -> None:
    other = VaultTransitKms.open(url=transit.url, token=TOKEN, key_name=key_name)
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


async def test_build_kms_vault(transit: FakeTransit, key_name: str) -> None:
    with pytest.raises(KmsError, match="does not exist"):
        build_kms("vault", url=transit.url, token=TOKEN, key_name=key_name)
    kms = build_kms("vault", url=transit.url, token=TOKEN, key_name=key_name, create=True)
    assert isinstance(kms, VaultTransitKms)
    try:
        assert kms.current_key_id == f"transit/{key_name}:v1"
    finally:
        await kms.aclose()
