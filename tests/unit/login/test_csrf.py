"""CSRF token and fetch-metadata checks (IV-04)."""

from __future__ import annotations

import pytest

from tier0.crypto.keyed_hash import HashKey
from tier0.login.csrf import CsrfError, check_fetch_metadata, csrf_token, verify_csrf_token

KEY = HashKey(b"k" * 32)
OWN = "https://login.example.com"


def test_iv04_token_is_bound_to_browser_and_form() -> None:
    token = csrf_token(KEY, binding="browser-a", form="login")
    verify_csrf_token(KEY, binding="browser-a", form="login", token=token)
    for binding, form in (("browser-b", "login"), ("browser-a", "logout")):
        with pytest.raises(CsrfError):
            verify_csrf_token(KEY, binding=binding, form=form, token=token)


@pytest.mark.parametrize(("binding", "token"), [(None, "x"), ("b", None), ("", "x"), ("b", "")])
def test_iv04_missing_parts_are_refused(binding: str | None, token: str | None) -> None:
    with pytest.raises(CsrfError):
        verify_csrf_token(KEY, binding=binding, form="login", token=token)


def test_iv04_other_tenant_key_does_not_verify() -> None:
    token = csrf_token(KEY, binding="b", form="login")
    with pytest.raises(CsrfError):
        verify_csrf_token(HashKey(b"o" * 32), binding="b", form="login", token=token)


@pytest.mark.parametrize(
    ("origin", "site"),
    [
        (None, None),
        (OWN, "same-origin"),
        (None, "none"),
        (OWN, None),
        ("null", "same-origin"),
    ],
)
def test_iv04_own_or_unmarked_requests_pass(origin: str | None, site: str | None) -> None:
    check_fetch_metadata(origin=origin, fetch_site=site, own_origin=OWN)


@pytest.mark.parametrize(
    ("origin", "site"),
    [
        (None, "cross-site"),
        (None, "same-site"),
        ("https://evil.example", None),
        ("null", None),
        ("null", "cross-site"),
        (OWN + ":444", "same-origin"),
        ("http://login.example.com", None),
    ],
)
def test_iv04_foreign_requests_are_refused(origin: str | None, site: str | None) -> None:
    with pytest.raises(CsrfError):
        check_fetch_metadata(origin=origin, fetch_site=site, own_origin=OWN)
