"""JW-03: explicit typing with mutually exclusive rules (RFC 8725 §3.11)."""

from __future__ import annotations

import pytest

from tier0.jose.typ import (
    TYP_ACCESS_TOKEN,
    TYP_DPOP,
    TYP_ID_TOKEN,
    normalize_typ,
    typ_acceptable,
)


@pytest.mark.parametrize("value", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/At+Jwt"])
def test_jw03_access_token_typ_forms_are_equal(value: str) -> None:
    assert normalize_typ(value) == "at+jwt"
    assert typ_acceptable(value, TYP_ACCESS_TOKEN)


def test_jw03_id_token_is_never_an_access_token_and_vice_versa() -> None:
    assert not typ_acceptable("JWT", TYP_ACCESS_TOKEN)
    assert not typ_acceptable(None, TYP_ACCESS_TOKEN)
    assert not typ_acceptable("at+jwt", TYP_ID_TOKEN)
    assert not typ_acceptable("application/at+jwt", TYP_ID_TOKEN)


def test_jw03_explicit_types_are_refused_where_no_type_is_expected() -> None:
    assert typ_acceptable(None, None)
    assert typ_acceptable("JWT", None)
    assert not typ_acceptable("at+jwt", None)
    assert not typ_acceptable("DPoP+JWT", None)


@pytest.mark.parametrize("value", [1, ["JWT"], {"typ": "JWT"}, True])
def test_non_string_typ_is_refused(value: object) -> None:
    assert not typ_acceptable(value, None)
    assert not typ_acceptable(value, TYP_DPOP)
