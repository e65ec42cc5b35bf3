"""Imported hash formats, checked against vectors computed by *other* implementations.

Sources: bcrypt from Openwall's crypt_blowfish test suite; argon2 from the reference
implementation's README (password "password", salt "somesalt"); PBKDF2 from RFC 7914 §11 and
RFC 6070; scrypt from RFC 7914 §12; the rest computed once with the ``openssl`` command line
(``openssl dgst``, ``openssl kdf ... PBKDF2``) and pasted here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tier0.users.imported_hashes import (
    ImportedHash,
    ImportFormatError,
    from_stored,
    is_imported,
    parse_custom_password_hash,
    to_stored,
    verify_imported,
)

BCRYPT_2A = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"  # "U*U"
ARGON2I = "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA"
ARGON2ID = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
PBKDF2_SHA256_RFC7914 = (
    "$pbkdf2-sha256$i=1,l=64$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOd"
    "d+8xfHG4RbHjC9UJESBB06GXgw"
)
PBKDF2_SHA1_RFC6070 = "$pbkdf2-sha1$i=4096,l=20$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"
PBKDF2_SHA512_OPENSSL = (
    "$pbkdf2-sha512$i=1000,l=64$c29kaXVtY2hsb3JpZGU$mmvWCySWEaqOhemu446iu5yp06//Ctp6Lrlr1ciz1kHhJk"
    "492+ZaG8Ni0ybutA4J5n4YhV/MpaiUzL2qBDqWpg"
)
SCRYPT_RFC7914 = (
    "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9"
    "830dac727afb94a83ee6d8360cbdfa2cc0640"
)

VECTORS: list[tuple[str, dict[str, Any], str]] = [
    ("bcrypt-2a", {"algorithm": "bcrypt", "hash": {"value": BCRYPT_2A}}, "U*U"),
    ("bcrypt-2b", {"algorithm": "bcrypt", "hash": {"value": "$2b$" + BCRYPT_2A[4:]}}, "U*U"),
    ("bcrypt-2y", {"algorithm": "bcrypt", "hash": {"value": "$2y$" + BCRYPT_2A[4:]}}, "U*U"),
    (
        "bcrypt-salt-suffix",
        {
            "algorithm": "bcrypt",
            "hash": {"value": BCRYPT_2A},
            "salt": {"value": "*U", "position": "suffix"},
        },
        "U",
    ),
    ("argon2i", {"algorithm": "argon2", "hash": {"value": ARGON2I}}, "password"),
    ("argon2id", {"algorithm": "argon2", "hash": {"value": ARGON2ID}}, "password"),
    ("pbkdf2-sha256", {"algorithm": "pbkdf2", "hash": {"value": PBKDF2_SHA256_RFC7914}}, "passwd"),
    ("pbkdf2-sha1", {"algorithm": "pbkdf2", "hash": {"value": PBKDF2_SHA1_RFC6070}}, "password"),
    (
        "pbkdf2-sha512",
        {"algorithm": "pbkdf2", "hash": {"value": PBKDF2_SHA512_OPENSSL}},
        "Tr0ub4dor",
    ),
    (
        "scrypt",
        {
            "algorithm": "scrypt",
            "hash": {"value": SCRYPT_RFC7914, "encoding": "hex"},
            "salt": {"value": "NaCl"},
            "keylen": 64,
            "cost": 1024,
            "blockSize": 8,
            "parallelization": 16,
        },
        "password",
    ),
    (
        "md5-hex",
        {"algorithm": "md5", "hash": {"value": "2ab96390c7dbe3439de74d0c9b0b1767"}},
        "hunter2",
    ),
    (
        "sha1-hex-upper",
        {
            "algorithm": "sha1",
            "hash": {"value": "F3BBBD66A63D4BF1747940578EC3D0103530E21D", "encoding": "hex"},
        },
        "hunter2",
    ),
    (
        "sha256-salt-prefix",
        {
            "algorithm": "sha256",
            "hash": {"value": "cc0c19e7e854dad3a1ac59d270a830024c7d2efa248ea80d0a27223f30bbf504"},
            "salt": {"value": "NaCl", "position": "prefix"},
        },
        "correct horse",
    ),
    (
        "sha512-base64-salt-suffix",
        {
            "algorithm": "sha512",
            "hash": {
                "encoding": "base64",
                "value": "xdqJoPZy0z2ISyVALjTvBo5x9AkjiFnWKH0NsOP4U82KzmxCREKHlAwAwogawzZlmhW7"
                "qTj1fJZE7cutApWFGA==",
            },
            "salt": {"value": "TmFDbA==", "encoding": "base64", "position": "suffix"},
        },
        "correct horse",
    ),
    (
        "hmac-sha256",
        {
            "algorithm": "hmac",
            "hash": {
                "value": "0f7ff336d526be376dc76a846b8ff9ec54bafeb3b784a3bd03d9dbfee006aebb",
                "encoding": "hex",
                "digest": "sha256",
                "key": {"value": "k3y-material"},
            },
            "salt": {"value": "pepper"},
        },
        "hunter2",
    ),
    (
        "ldap-ssha",
        {"algorithm": "ldap", "hash": {"value": "{SSHA}+RFhsab2AfzZ0VfEdyknXtUT06RhYmNk"}},
        "secret",
    ),
    (
        "ldap-sha",
        {"algorithm": "ldap", "hash": {"value": "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="}},
        "secret",
    ),
    (
        "ldap-ssha512",
        {
            "algorithm": "ldap",
            "hash": {
                "value": "{SSHA512}aCu7JRc+kLsuEmFs1zTY+AiP7DSGnjjG+dH28Dp+E5usqoAixeTPihKqZmkWal4m"
                "Ufp63tqvCAkFV1LKTDFH6XNhbHRzYWx0"
            },
        },
        "secret",
    ),
    (
        "ldap-md5",
        {"algorithm": "ldap", "hash": {"value": "{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ=="}},
        "secret",
    ),
]


@pytest.mark.parametrize(("name", "obj", "password"), VECTORS, ids=[v[0] for v in VECTORS])
def test_pw02_imported_hash_verifies_and_survives_storage(
    name: str, obj: dict[str, Any], password: str
) -> None:
    imported = parse_custom_password_hash(obj)
    assert verify_imported(imported, password)
    assert not verify_imported(imported, password + "x")
    assert not verify_imported(imported, password.upper() if password.upper() != password else "u")
    stored = to_stored(imported)
    assert is_imported(stored)
    assert from_stored(stored) == imported
    assert verify_imported(from_stored(stored), password)


def test_stored_form_and_repr_hide_salts_and_values() -> None:
    imported = parse_custom_password_hash(VECTORS[13][1])
    assert "TmFDbA" not in repr(imported) and "xdqJ" not in repr(imported)
    assert to_stored(imported).startswith("tier0-import$")
    assert not is_imported(BCRYPT_2A) and not is_imported(ARGON2ID)


def test_bcrypt_over_72_bytes_is_refused_not_truncated() -> None:
    imported = parse_custom_password_hash({"algorithm": "bcrypt", "hash": {"value": BCRYPT_2A}})
    assert not verify_imported(imported, "U*U" + "x" * 80)


def test_password_encoding_latin1_and_nfkc_fallback() -> None:
    latin1 = parse_custom_password_hash(
        {
            "algorithm": "md5",
            "hash": {"value": "2ab96390c7dbe3439de74d0c9b0b1767"},
            "password": {"encoding": "latin1"},
        }
    )
    assert verify_imported(latin1, "hunter2")
    assert not verify_imported(latin1, "hunter2\N{GRINNING FACE}")  # not encodable: no match
    full_width = "\uff48unter2"  # NFKC turns the full-width h into "h"
    md5 = parse_custom_password_hash(
        {"algorithm": "md5", "hash": {"value": "2ab96390c7dbe3439de74d0c9b0b1767"}}
    )
    assert verify_imported(md5, full_width)


BAD: list[tuple[dict[str, Any], str]] = [
    ({"hash": {"value": "x"}}, "algorithm"),
    ({"algorithm": "crc32", "hash": {"value": "x"}}, "unsupported algorithm"),
    ({"algorithm": "md4", "hash": {"value": "00" * 16}}, "md4"),
    ({"algorithm": "md5"}, "hash is required"),
    ({"algorithm": "md5", "hash": {"value": "zz"}}, "hex"),
    ({"algorithm": "md5", "hash": {"value": "abcd"}}, "wrong length"),
    ({"algorithm": "md5", "hash": {"value": "00" * 16, "encoding": "utf8"}}, "hex or base64"),
    ({"algorithm": "bcrypt", "hash": {"value": "$2x$10$abc"}}, "bcrypt hash"),
    ({"algorithm": "bcrypt", "hash": {"value": "$2b$31$" + BCRYPT_2A[7:]}}, "cost"),
    ({"algorithm": "argon2", "hash": {"value": "$argon2id$nonsense"}}, "PHC"),
    ({"algorithm": "argon2", "hash": {"value": ARGON2ID.replace("m=65536", "m=4194304")}}, "limit"),
    ({"algorithm": "argon2", "hash": {"value": ARGON2ID}, "salt": {"value": "x"}}, "salt"),
    ({"algorithm": "pbkdf2", "hash": {"value": "$pbkdf2-whirlpool$i=1$c2FsdA$AAAA"}}, "digest"),
    ({"algorithm": "pbkdf2", "hash": {"value": PBKDF2_SHA1_RFC6070.replace("l=20", "l=32")}}, "l"),
    (
        {"algorithm": "pbkdf2", "hash": {"value": PBKDF2_SHA1_RFC6070.replace("4096", "99999999")}},
        "i must",
    ),
    ({"algorithm": "scrypt", "hash": {"value": SCRYPT_RFC7914}, "keylen": 64}, "salt"),
    (
        {"algorithm": "scrypt", "hash": {"value": SCRYPT_RFC7914}, "salt": {"value": "NaCl"}},
        "keylen",
    ),
    (
        {
            "algorithm": "scrypt",
            "hash": {"value": SCRYPT_RFC7914},
            "salt": {"value": "NaCl"},
            "keylen": 64,
            "cost": 1000,
        },
        "power of two",
    ),
    ({"algorithm": "hmac", "hash": {"value": "00" * 32, "digest": "sha256"}}, "key"),
    (
        {
            "algorithm": "hmac",
            "hash": {"value": "00" * 32, "digest": "whirlpool", "key": {"value": "k"}},
        },
        "digest",
    ),
    ({"algorithm": "ldap", "hash": {"value": "{CRYPT}abcdef"}}, "ldap hash"),
    ({"algorithm": "ldap", "hash": {"value": "{SSHA}5en6G6MezRroT3XKqkdPOmY/BfQ="}}, "length"),
    (
        {
            "algorithm": "sha256",
            "hash": {"value": "00" * 32},
            "salt": {"value": "s", "position": "middle"},
        },
        "position",
    ),
    (
        {"algorithm": "sha256", "hash": {"value": "00" * 32}, "password": {"encoding": "ebcdic"}},
        "password.encoding",
    ),
]


@pytest.mark.parametrize(("obj", "reason"), BAD)
def test_bad_custom_password_hash_is_refused_with_a_reason(
    obj: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ImportFormatError) as info:
        parse_custom_password_hash(obj)
    assert reason in info.value.reason


def test_not_an_object_and_corrupt_store_are_refused() -> None:
    with pytest.raises(ImportFormatError):
        parse_custom_password_hash("md5:abc")  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(ImportFormatError):
        from_stored("tier0-import${not json")
    with pytest.raises(ImportFormatError):
        from_stored('tier0-import${"v":9,"algorithm":"md5","value":""}')
    with pytest.raises(ImportFormatError):
        from_stored(BCRYPT_2A)


def test_hand_edited_store_missing_a_parameter_fails_loudly() -> None:
    broken = ImportedHash(algorithm="pbkdf2", value=b"\x00" * 20, digest="sha1")
    with pytest.raises(ImportFormatError):
        verify_imported(broken, "password")


@pytest.mark.parametrize("algorithm", ["ldap", "pbkdf2", "sha256"])
def test_non_ascii_base64_is_a_format_error(algorithm: str) -> None:
    value = {
        "ldap": "{SSHA}\x80\x80\x80\x80",
        "pbkdf2": "$pbkdf2-sha256$i=1,l=4$\x80$\x80\x80",
        "sha256": "\x80" * 44,
    }[algorithm]
    encoding = "base64" if algorithm == "sha256" else "utf8"
    with pytest.raises(ImportFormatError):
        parse_custom_password_hash(
            {"algorithm": algorithm, "hash": {"value": value, "encoding": encoding}}
        )
