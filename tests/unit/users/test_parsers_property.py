"""Hypothesis: the password and import parsers only ever fail with their own errors."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tier0.users.bulk_import import parse_import_file
from tier0.users.imported_hashes import ImportFormatError, parse_custom_password_hash
from tier0.users.password_policy import PasswordPolicy, PasswordRejected, check_password

JSON_LEAF = st.none() | st.booleans() | st.integers() | st.text(max_size=40)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(
    ["algorithm", "hash", "salt", "password", "keylen", "cost", "blockSize", "parallelization"]
)
ALGORITHMS = st.sampled_from(
    [
        "argon2",
        "bcrypt",
        "hmac",
        "ldap",
        "md4",
        "md5",
        "sha1",
        "sha256",
        "sha512",
        "pbkdf2",
        "scrypt",
    ]
)
HASH_OBJ = st.fixed_dictionaries(
    {},
    optional={
        "value": st.text(max_size=80),
        "encoding": st.sampled_from(["hex", "base64", "utf8", "x"]),
        "digest": st.text(max_size=10),
        "key": st.dictionaries(st.sampled_from(["value", "encoding"]), JSON_LEAF),
    },
)
CUSTOM = st.fixed_dictionaries(
    {"algorithm": ALGORITHMS, "hash": HASH_OBJ},
    optional={
        "salt": st.dictionaries(st.sampled_from(["value", "encoding", "position"]), JSON_LEAF),
        "password": st.dictionaries(st.just("encoding"), JSON_LEAF),
        "keylen": JSON_LEAF,
        "cost": JSON_LEAF,
        "blockSize": JSON_LEAF,
        "parallelization": JSON_LEAF,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(CUSTOM, st.dictionaries(KEYS, JSON, max_size=6), JSON))
def test_custom_password_hash_parser_fails_only_with_import_format_error(obj: Any) -> None:
    try:
        parse_custom_password_hash(obj)
    except ImportFormatError as exc:
        assert exc.reason


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            JSON,
            st.fixed_dictionaries(
                {"email": st.text(max_size=30)}, optional={"custom_password_hash": CUSTOM}
            ),
        )
    )
)
def test_import_file_parser_reports_every_record(users: list[Any]) -> None:
    records, problems = parse_import_file(json.dumps(users).encode())
    assert sorted([r.index for r in records] + [p.index for p in problems]) == list(
        range(len(users))
    )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=30), max_size=4))
def test_check_password_fails_only_with_password_rejected(
    password: str, context: list[str]
) -> None:
    policy = PasswordPolicy(min_length=8, blocklist=False)
    try:
        check_password(password, policy, context=context)
    except PasswordRejected as exc:
        assert exc.code and exc.message
