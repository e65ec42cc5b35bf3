"""Page security headers (IV-05, IV-06) and cookie naming (SE-01)."""

from __future__ import annotations

import pytest

from tier0.login.cookies import CookiePolicy
from tier0.login.headers import csp_source, page_headers, redirect_headers


def test_iv05_page_headers_forbid_framing_and_inline_code() -> None:
    headers = page_headers()
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert csp.endswith("form-action 'self'")
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"


def test_iv06_form_action_adds_only_the_redirect_origin() -> None:
    csp = page_headers(["https://app.example.com:8443/cb?x=1", "com.example.app:/cb"])[
        "content-security-policy"
    ]
    assert "form-action 'self' https://app.example.com:8443 com.example.app:" in csp
    assert "?x=1" not in csp


@pytest.mark.parametrize(
    ("uri", "source"),
    [
        ("https://app.example.com/callback", "https://app.example.com"),
        ("http://127.0.0.1:5000/cb", "http://127.0.0.1:5000"),
        ("http://[::1]:5000/cb", "http://[::1]:5000"),
        ("com.example.app:/oauth", "com.example.app:"),
        ("javascript:alert(1)", None),
        ("https://app.example.com;script-src *", None),
    ],
)
def test_csp_source(uri: str, source: str | None) -> None:
    assert csp_source(uri) == source


def test_redirect_headers_are_not_cacheable() -> None:
    assert redirect_headers()["cache-control"] == "no-store"
    assert "content-security-policy" not in redirect_headers()


def test_se01_cookie_names_follow_the_scheme() -> None:
    secure = CookiePolicy.for_public_url("https://id.example.com")
    assert secure.secure and secure.session_name("acme") == "__Host-tier0_session_acme"
    assert secure.binding_name("acme") == "__Host-tier0_binding_acme"
    dev = CookiePolicy.for_public_url("http://127.0.0.1:8000")
    assert not dev.secure and dev.session_name("acme") == "tier0_session_acme"
