"""Stored hashes go back out in Auth0's import shape and come back in unchanged (issue 4,
export → import round trip), for every custom_password_hash format the import takes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.users.test_imported_hashes import VECTORS
from tier0.settings import HashAlgorithm
from tier0.users.export_hashes import NotPortable, exported_password
from tier0.users.imported_hashes import (
    from_stored,
    parse_custom_password_hash,
    to_stored,
    verify_imported,
)
from tier0.users.passwords import HashPolicy, PasswordHasher


@pytest.mark.parametrize(("name", "obj", "password"), VECTORS, ids=[v[0] for v in VECTORS])
def test_imported_hash_round_trips_through_an_export(
    name: str, obj: dict[str, Any], password: str
) -> None:
    stored = to_stored(parse_custom_password_hash(obj))
    exported = exported_password(stored)
    assert set(exported) == {"custom_password_hash"}
    again = parse_custom_password_hash(exported["custom_password_hash"])
    assert again == from_stored(stored)
    assert verify_imported(again, password)


def test_policy_hashes_export_as_bcrypt_or_argon2() -> None:
    bcrypt_hash = PasswordHasher(
        HashPolicy(algorithm=HashAlgorithm.BCRYPT, bcrypt_cost=4)
    ).hash_sync("pw")
    assert exported_password(bcrypt_hash) == {"password_hash": bcrypt_hash}
    argon = PasswordHasher(HashPolicy(algorithm=HashAlgorithm.ARGON2ID)).hash_sync("pw")
    custom = exported_password(argon)["custom_password_hash"]
    assert custom == {"algorithm": "argon2", "hash": {"value": argon, "encoding": "utf8"}}
    assert verify_imported(parse_custom_password_hash(custom), "pw")
    assert exported_password(None) == {}
    long = PasswordHasher(HashPolicy(bcrypt_cost=4)).hash_sync("x" * 100)
    with pytest.raises(NotPortable):
        exported_password(long)
    with pytest.raises(ValueError, match="unknown kind"):
        exported_password("plain-text-would-never-be-stored")
