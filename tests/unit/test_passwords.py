"""Password hashing (PW-01, PW-02 detection, AV-04 bound)."""

from __future__ import annotations

import asyncio

import argon2
import bcrypt
import pytest

from tier0.errors import Unavailable
from tier0.settings import HashAlgorithm
from tier0.users.passwords import PREHASH_PREFIX, HashPolicy, InvalidPassword, PasswordHasher

BCRYPT10 = HashPolicy(bcrypt_cost=10)
ARGON = HashPolicy(algorithm=HashAlgorithm.ARGON2ID)


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(BCRYPT10, workers=2)


async def test_pw01_bcrypt_cost_and_random_salt(hasher: PasswordHasher) -> None:
    first = await hasher.hash("correct horse battery")
    second = await hasher.hash("correct horse battery")
    assert first.startswith("$2b$10$") and second.startswith("$2b$10$")
    assert first != second  # a random salt per hash
    await hasher.verify("correct horse battery", first)
    with pytest.raises(InvalidPassword):
        await hasher.verify("correct horse batterY", first)


async def test_pw01_no_silent_truncation_at_72_bytes(hasher: PasswordHasher) -> None:
    base = "a" * 80
    stored = await hasher.hash(base + "x" * 20)
    assert stored.startswith(PREHASH_PREFIX)
    await hasher.verify(base + "x" * 20, stored)
    with pytest.raises(InvalidPassword):
        await hasher.verify(base + "y" * 20, stored)  # differs only after byte 72
    # A plain bcrypt hash (imported, made by another system) never matches a longer password.
    legacy = bcrypt.hashpw(b"a" * 72, bcrypt.gensalt(4)).decode()
    with pytest.raises(InvalidPassword):
        await hasher.verify("a" * 72 + "extra", legacy)
    await hasher.verify("a" * 72, legacy)


async def test_pw01_argon2id_parameters() -> None:
    hasher = PasswordHasher(ARGON)
    stored = await hasher.hash("pässwörd with ümlauts")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    await hasher.verify("pässwörd with ümlauts", stored)
    with pytest.raises(InvalidPassword):
        await hasher.verify("passwörd with ümlauts", stored)


def test_pw02_needs_rehash_when_below_policy() -> None:
    stronger = PasswordHasher(HashPolicy(bcrypt_cost=12))
    weak = bcrypt.hashpw(b"pw", bcrypt.gensalt(10)).decode()
    assert stronger.needs_rehash(weak)
    assert not PasswordHasher(BCRYPT10).needs_rehash(weak)
    to_argon = PasswordHasher(ARGON)
    assert to_argon.needs_rehash(weak)
    weak_argon = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw")
    assert to_argon.needs_rehash(weak_argon)
    assert to_argon.needs_rehash("{SSHA}not-ours")


async def test_garbage_hash_never_verifies(hasher: PasswordHasher) -> None:
    for stored in ("", "plain", "$2b$xx$abc", "$argon2id$broken", PREHASH_PREFIX + "junk"):
        with pytest.raises(InvalidPassword):
            await hasher.verify("password", stored)


async def test_av04_overflow_gets_fast_unavailable() -> None:
    hasher = PasswordHasher(HashPolicy(bcrypt_cost=12), workers=1, queue_limit=1)
    stored = hasher.hash_sync("password")
    results = await asyncio.gather(
        *(hasher.verify("password", stored) for _ in range(4)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, Unavailable)]
    assert len(refused) == 2 and refused[0].retry_after >= 1
    assert results.count(None) == 2


async def test_dummy_verify_never_succeeds(hasher: PasswordHasher) -> None:
    await hasher.verify_dummy("anything")  # returns without raising, and without a user


async def test_av04_a_cancelled_check_keeps_its_slot_until_the_hash_ends() -> None:
    # A caller that goes away does not free the slot of a hash the pool is still running:
    # otherwise abandoned sign-ins would queue hashes past the limit.
    hasher = PasswordHasher(HashPolicy(bcrypt_cost=12), workers=1, queue_limit=0)
    stored = hasher.hash_sync("password")
    first = asyncio.create_task(hasher.verify("password", stored))
    await asyncio.sleep(0.01)
    first.cancel()
    await asyncio.sleep(0.01)
    with pytest.raises(Unavailable):  # the abandoned hash still holds the only slot
        await hasher.verify("password", stored)
    with pytest.raises(asyncio.CancelledError):
        await first
    await hasher.verify("password", stored)  # and frees it once done
