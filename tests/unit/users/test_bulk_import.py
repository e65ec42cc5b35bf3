from __future__ import annotations

import json
from typing import Any

import pytest

from tier0.users.bulk_import import ImportFileError, parse_import_file
from tier0.users.imported_hashes import is_imported

BCRYPT = "$2b$10$" + "C" * 22 + "E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
MD5 = {"algorithm": "md5", "hash": {"value": "2ab96390c7dbe3439de74d0c9b0b1767"}}


def parse(users: list[Any]) -> tuple[list[Any], list[Any]]:
    return parse_import_file(json.dumps(users).encode())


def test_good_records_are_parsed_with_hashes_in_stored_form() -> None:
    records, problems = parse(
        [
            {
                "email": "Alice@Example.com",
                "email_verified": True,
                "password_hash": BCRYPT,
                "given_name": "Alice",
                "user_metadata": {"plan": "pro"},
                "user_id": "abc123",
            },
            {"email": "bob@example.com", "custom_password_hash": MD5, "blocked": True},
            {"email": "carol@example.com"},
        ]
    )
    assert problems == []
    alice, bob, carol = records
    assert alice.email == "alice@example.com" and alice.email_verified
    assert alice.password_hash == BCRYPT and alice.user_id == "auth0|abc123"
    assert alice.strings == {"given_name": "Alice"} and alice.user_metadata == {"plan": "pro"}
    assert bob.blocked and bob.password_hash is not None and is_imported(bob.password_hash)
    assert carol.password_hash is None
    assert BCRYPT not in repr(alice)


BAD: list[tuple[Any, str, str]] = [
    ("not an object", "INVALID_TYPE", "object"),
    ({"email_verified": True}, "FORMAT", "email is required"),
    ({"email": "no-at-sign"}, "FORMAT", "valid address"),
    ({"email": "a@example.com", "surprise": 1}, "FORMAT", "unknown field"),
    (
        {"email": "a@example.com", "password_hash": BCRYPT, "custom_password_hash": MD5},
        "FORMAT",
        "mutually exclusive",
    ),
    ({"email": "a@example.com", "password_hash": "$2y$10$" + "C" * 53}, "FORMAT", "$2a$ or $2b$"),
    (
        {"email": "a@example.com", "custom_password_hash": {"algorithm": "md4", "hash": {}}},
        "FORMAT",
        "custom_password_hash",
    ),
    ({"email": "a@example.com", "app_metadata": {"email": "x"}}, "FORMAT", "reserved"),
    ({"email": "a@example.com", "user_metadata": []}, "FORMAT", "object"),
    ({"email": "a@example.com", "email_verified": "yes"}, "FORMAT", "true or false"),
    (
        {"email": "a@example.com", "mfa_factors": [{"totp": {"secret": "x"}}]},
        "FORMAT",
        "mfa_factors",
    ),
    ({"email": "a@example.com", "user_id": "bad id!"}, "FORMAT", "user_id"),
]


@pytest.mark.parametrize(("record", "code", "reason"), BAD)
def test_bad_records_are_reported_by_index_with_a_reason(
    record: Any, code: str, reason: str
) -> None:
    records, problems = parse([{"email": "first@example.com"}, record])
    assert [r.index for r in records] == [0]
    [problem] = problems
    assert (problem.index, problem.code) == (1, code)
    assert reason in problem.reason
    assert "2ab96390" not in problem.reason and BCRYPT not in problem.reason


def test_in_file_duplicates_are_refused() -> None:
    records, problems = parse(
        [
            {"email": "a@example.com", "user_id": "1"},
            {"email": "A@example.com"},
            {"email": "b@example.com", "user_id": "1"},
        ]
    )
    assert [r.index for r in records] == [0]
    assert [(p.index, p.code) for p in problems] == [(1, "DUPLICATED_USER"), (2, "DUPLICATED_USER")]


@pytest.mark.parametrize("raw", [b"{", b'{"email": "a@example.com"}', b"\xff\xfe"])
def test_unusable_files_are_refused_as_a_whole(raw: bytes) -> None:
    with pytest.raises(ImportFileError):
        parse_import_file(raw)


@pytest.mark.parametrize("raw", [b"{", b'"a@example.com"', b'{"email": 1}\n[', b"\xff\xfe"])
def test_unusable_ndjson_files_are_refused_as_a_whole(raw: bytes) -> None:
    with pytest.raises(ImportFileError):
        parse_import_file(raw, ndjson=True)


def test_ndjson_files_import_like_arrays() -> None:
    """What `tier0 user export` writes by default: one user object a line."""
    raw = b'{"email": "a@example.com"}\n\n{"email": "b@example.com", "blocked": 1}\n'
    records, problems = parse_import_file(raw, ndjson=True)
    assert [r.email for r in records] == ["a@example.com"]
    assert [(p.index, p.code) for p in problems] == [(1, "FORMAT")]
