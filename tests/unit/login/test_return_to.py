"""No open redirect through return_to (IV-07)."""

from __future__ import annotations

import pytest

from tier0.login.return_to import safe_return_to

PREFIX = "/t/acme/"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example/",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "javascript:alert(1)",
        "/t/acme/../other",
        "/t/acme/%2e%2e/other",
        "/t/other/account",
        "/t/acme/\r\nSet-Cookie: x=1",
        "/t/acme/ x",
        "/t/acmeevil/account",
        "/t/acme/" + "a" * 2000,
    ],
)
def test_iv07_unsafe_values_fall_back(value: str | None) -> None:
    assert safe_return_to(value, prefix=PREFIX) is None


@pytest.mark.parametrize("value", ["/t/acme/", "/t/acme/account", "/t/acme/account?tab=x&y=1"])
def test_iv07_local_paths_are_kept(value: str) -> None:
    assert safe_return_to(value, prefix=PREFIX) == value
