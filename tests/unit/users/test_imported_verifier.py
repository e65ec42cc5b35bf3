"""The imported-hash verifier's bounded pool (AV-04), as the main hasher's."""

from __future__ import annotations

import asyncio

import bcrypt
import pytest

from tier0.errors import Unavailable
from tier0.users.imported_hashes import parse_custom_password_hash, to_stored
from tier0.users.imported_verifier import ImportedHashVerifier


async def test_av04_a_cancelled_imported_check_keeps_its_slot_until_the_hash_ends() -> None:
    # A caller that goes away does not free the slot of a hash the pool is still running:
    # otherwise abandoned sign-ins would queue legacy hashes past the limit.
    legacy = bcrypt.hashpw(b"password", bcrypt.gensalt(12)).decode()
    stored = to_stored(
        parse_custom_password_hash({"algorithm": "bcrypt", "hash": {"value": legacy}})
    )
    verifier = ImportedHashVerifier(workers=1, queue_limit=0)
    first = asyncio.create_task(verifier.verify(stored, "password"))
    await asyncio.sleep(0.01)
    first.cancel()
    await asyncio.sleep(0.01)
    with pytest.raises(Unavailable):  # the abandoned hash still holds the only slot
        await verifier.verify(stored, "password")
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await verifier.verify(stored, "password")  # and frees it once done
