"""DP-01: the local key-file KMS fails closed, wraps under context, rotates atomically."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tier0.clock import FrozenClock
from tier0.crypto import Kms, KmsError, LocalKms, WrappedKey, build_kms

CTX = {"tenant": "ten_1", "purpose": "data-key"}


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "kek.json"


@pytest.fixture
def kms(key_path: Path) -> LocalKms:
    return LocalKms.open(key_path, create=True)


def _key_material(path: Path) -> list[str]:
    return [entry["key"] for entry in json.loads(path.read_text())["keys"]]


def test_dp01_create_writes_0600_file_with_one_kek(kms: LocalKms, key_path: Path) -> None:
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert kms.current_key_id == "local:v1"
    assert isinstance(kms, Kms)
    doc = json.loads(key_path.read_text())
    assert doc["format"] == "tier0-local-kms"
    assert len(doc["keys"]) == 1
    assert not list(key_path.parent.glob(".*.tmp")), "no temp file left behind"


def test_dp01_create_keeps_existing_file(kms: LocalKms, key_path: Path) -> None:
    before = key_path.read_bytes()
    again = LocalKms.open(key_path, create=True)
    assert key_path.read_bytes() == before
    assert again.current_key_id == kms.current_key_id


def test_dp01_missing_key_file_fails_closed(key_path: Path) -> None:
    with pytest.raises(KmsError, match="does not exist"):
        LocalKms.open(key_path, create=False)
    with pytest.raises(KmsError):
        LocalKms(key_path)
    assert not key_path.exists()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o606, 0o610])
def test_dp01_group_or_world_accessible_file_refused(
    kms: LocalKms, key_path: Path, mode: int
) -> None:
    secrets_in_file = _key_material(key_path)
    os.chmod(key_path, mode)
    with pytest.raises(KmsError, match="group or others") as info:
        LocalKms.open(key_path, create=True)
    message = str(info.value)
    assert f"{mode:04o}" in message
    assert all(material not in message for material in secrets_in_file)


def test_dp01_owner_read_only_file_accepted(kms: LocalKms, key_path: Path) -> None:
    os.chmod(key_path, 0o400)
    assert LocalKms(key_path).current_key_id == "local:v1"


def test_dp01_directory_instead_of_file_refused(tmp_path: Path) -> None:
    target = tmp_path / "dir"
    target.mkdir(mode=0o700)
    with pytest.raises(KmsError):
        LocalKms(target)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b'{"format": "other", "version": 1, "keys": []}',
        b'{"format": "tier0-local-kms", "version": 1, "keys": []}',
        b'{"format": "tier0-local-kms", "version": 1, "keys": [{"version": 1, "created": "x",'
        b' "key": "c2hvcnQ"}]}',
    ],
)
def test_dp01_malformed_key_file_refused(key_path: Path, content: bytes) -> None:
    key_path.write_bytes(content)
    os.chmod(key_path, 0o600)
    with pytest.raises(KmsError, match=r"malformed|no keys"):
        LocalKms(key_path)


def test_dp01_error_never_echoes_key_material(key_path: Path) -> None:
    material = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE"  # 32 bytes but a bad version
    key_path.write_text(
        json.dumps(
            {
                "format": "tier0-local-kms",
                "version": 1,
                "keys": [{"version": 0, "created": "x", "key": material}],
            }
        )
    )
    os.chmod(key_path, 0o600)
    with pytest.raises(KmsError) as info:
        LocalKms(key_path)
    assert material not in str(info.value)


async def test_dp01_wrap_unwrap(kms: LocalKms) -> None:
    data_key = os.urandom(32)
    wrapped = await kms.wrap(data_key, context=CTX)
    assert wrapped.key_id == "local:v1"
    assert data_key not in wrapped.ciphertext
    stored = WrappedKey.from_text(wrapped.to_text())
    assert await kms.unwrap(stored, context=dict(reversed(CTX.items()))) == data_key


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.binary(min_size=1, max_size=256),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3),
)
def test_dp01_wrap_unwrap_round_trip(kms: LocalKms, data_key: bytes, ctx: dict[str, str]) -> None:
    async def round_trip() -> bytes:
        return await kms.unwrap(await kms.wrap(data_key, context=ctx), context=ctx)

    assert asyncio.run(round_trip()) == data_key


@pytest.mark.parametrize(
    "other",
    [{"tenant": "ten_2", "purpose": "data-key"}, {"tenant": "ten_1"}, {**CTX, "extra": "x"}, {}],
)
async def test_dp01_wrong_context_refused(kms: LocalKms, other: dict[str, str]) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    with pytest.raises(KmsError, match="could not be unwrapped"):
        await kms.unwrap(wrapped, context=other)


async def test_dp01_tampered_wrapped_key_refused(kms: LocalKms) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    for index in range(len(wrapped.ciphertext)):
        flipped = bytearray(wrapped.ciphertext)
        flipped[index] ^= 0x01
        with pytest.raises(KmsError):
            await kms.unwrap(WrappedKey(wrapped.key_id, bytes(flipped)), context=CTX)


async def test_dp01_relabelled_key_id_refused(kms: LocalKms) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    await kms.rotate()
    with pytest.raises(KmsError):
        await kms.unwrap(WrappedKey("local:v2", wrapped.ciphertext), context=CTX)
    with pytest.raises(KmsError, match="unknown key-encryption key"):
        await kms.unwrap(WrappedKey("local:v9", wrapped.ciphertext), context=CTX)


async def test_dp01_other_key_file_cannot_unwrap(kms: LocalKms, tmp_path: Path) -> None:
    wrapped = await kms.wrap(b"k" * 32, context=CTX)
    stranger = LocalKms.open(tmp_path / "other.json", create=True)
    with pytest.raises(KmsError):
        await stranger.unwrap(wrapped, context=CTX)


@pytest.mark.parametrize("size", [0, 4097])
async def test_data_key_size_bounds(kms: LocalKms, size: int) -> None:
    with pytest.raises(KmsError):
        await kms.wrap(b"k" * size, context=CTX)


async def test_dp01_rotate_then_unwrap_old(key_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, tzinfo=UTC))
    kms = LocalKms.open(key_path, create=True, clock=clock)
    old = await kms.wrap(b"old data key", context=CTX)
    clock.advance(86400)
    assert await kms.rotate() == "local:v2"
    assert kms.current_key_id == "local:v2"
    new = await kms.wrap(b"new data key", context=CTX)
    assert new.key_id == "local:v2"
    assert await kms.unwrap(old, context=CTX) == b"old data key"
    assert await kms.unwrap(new, context=CTX) == b"new data key"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    doc = json.loads(key_path.read_text())
    assert [k["created"][:10] for k in doc["keys"]] == ["2026-03-01", "2026-03-02"]
    assert kms.key_ids == ("local:v1", "local:v2")


async def test_dp01_other_process_sees_rotation(kms: LocalKms, key_path: Path) -> None:
    other = LocalKms(key_path)
    await other.rotate()
    wrapped = await other.wrap(b"dk", context=CTX)
    # `kms` loaded the file before the rotation and reloads on an unknown key id.
    assert await kms.unwrap(wrapped, context=CTX) == b"dk"
    assert kms.current_key_id == "local:v2"


async def test_dp01_concurrent_rotations_keep_every_version(kms: LocalKms, key_path: Path) -> None:
    others = [LocalKms(key_path) for _ in range(4)]
    ids = await asyncio.gather(*(o.rotate() for o in others))
    assert sorted(ids) == [f"local:v{n}" for n in range(2, 6)]
    assert LocalKms(key_path).key_ids == tuple(f"local:v{n}" for n in range(1, 6))


async def test_dp03_destroyed_kek_shreds_what_it_wrapped(kms: LocalKms, key_path: Path) -> None:
    backup_copy = await kms.wrap(b"tenant data key", context=CTX)
    await kms.rotate()
    live = await kms.wrap(await kms.unwrap(backup_copy, context=CTX), context=CTX)  # rewrap
    await kms.destroy("local:v1")
    assert await kms.unwrap(live, context=CTX) == b"tenant data key"
    with pytest.raises(KmsError):
        await LocalKms(key_path).unwrap(backup_copy, context=CTX)
    assert LocalKms(key_path).key_ids == ("local:v2",)


async def test_dp03_current_kek_cannot_be_destroyed(kms: LocalKms) -> None:
    with pytest.raises(KmsError, match="current"):
        await kms.destroy("local:v1")
    with pytest.raises(KmsError, match="unknown"):
        await kms.destroy("local:v7")


def test_repr_shows_no_key_material(kms: LocalKms, key_path: Path) -> None:
    text = repr(kms)
    assert "local:v1" in text
    assert all(material not in text for material in _key_material(key_path))


def test_build_kms_local(key_path: Path) -> None:
    with pytest.raises(KmsError):
        build_kms("local", path=key_path)
    built = build_kms("local", path=str(key_path), create=True)
    assert built.current_key_id == "local:v1"
    with pytest.raises(KmsError, match="unknown KMS provider"):
        build_kms("hsm")


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777, 0o702])
def test_dp01_key_file_in_writable_directory_refused(tmp_path: Path, mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    with pytest.raises(KmsError, match="writable by group or others"):
        LocalKms.open(shared / "kek.json", create=True)
    assert not (shared / "kek.json").exists(), "refused before creating anything"


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_dp01_key_file_owned_by_someone_else_refused(kms: LocalKms, key_path: Path) -> None:
    os.chown(key_path, os.geteuid() + 4242, -1)
    with pytest.raises(KmsError, match="owned by uid"):
        LocalKms(key_path)


def test_dp01_missing_directory_is_a_kms_error(tmp_path: Path) -> None:
    with pytest.raises(KmsError):
        LocalKms.open(tmp_path / "absent" / "kek.json", create=True)


async def test_symlinked_key_file_is_followed_and_checked(kms: LocalKms, key_path: Path) -> None:
    link = key_path.with_name("current.json")
    link.symlink_to(key_path)
    assert LocalKms(link).current_key_id == "local:v1"
    os.chmod(key_path, 0o644)
    with pytest.raises(KmsError, match="group or others"):
        LocalKms(link)
