"""Scope parsing and policy (RFC 6749 §3.3)."""

from __future__ import annotations

import pytest

from tier0.protocol.checks.scope import (
    format_scope,
    grant_scopes,
    has_openid,
    parse_scope,
    require_scopes_allowed,
    wants_offline_access,
)
from tier0.protocol.errors import InvalidScope


def test_parse_splits_dedupes_and_keeps_order() -> None:
    assert parse_scope("openid  profile openid read:users") == (
        "openid",
        "profile",
        "read:users",
    )


def test_absent_scope_is_empty() -> None:
    assert parse_scope(None) == ()


@pytest.mark.parametrize("value", ["openid\tprofile", 'a"b', "a\\b", "caf\u00e9", "a\nb"])
def test_characters_outside_scope_token_are_invalid_scope(value: str) -> None:
    with pytest.raises(InvalidScope):
        parse_scope(value)


def test_scope_count_is_bounded() -> None:
    with pytest.raises(InvalidScope):
        parse_scope(" ".join(f"s{i}" for i in range(101)))


def test_scope_is_case_sensitive() -> None:
    assert parse_scope("OpenID") == ("OpenID",)
    assert not has_openid(parse_scope("OpenID"))


def test_oa11_grant_keeps_only_allowed_scopes() -> None:
    assert grant_scopes(("openid", "admin", "read"), {"openid", "read"}) == ("openid", "read")


def test_oa08_scope_beyond_grant_is_invalid_scope() -> None:
    require_scopes_allowed(("read",), {"read", "write"})
    with pytest.raises(InvalidScope) as caught:
        require_scopes_allowed(("read", "admin"), {"read"})
    assert caught.value.error == "invalid_scope"


def test_openid_and_offline_access_detection() -> None:
    scopes = parse_scope("openid offline_access")
    assert has_openid(scopes)
    assert wants_offline_access(scopes)
    assert not wants_offline_access(parse_scope("openid"))


def test_format_round_trips() -> None:
    assert parse_scope(format_scope(("a", "b:c"))) == ("a", "b:c")
