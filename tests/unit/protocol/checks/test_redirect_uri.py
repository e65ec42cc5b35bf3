"""Exact redirect URI matching and registration rules (OA-01, OA-02)."""

from __future__ import annotations

import pytest

from tier0.protocol.checks.redirect_uri import (
    match_redirect_uri,
    validate_registered_redirect_uri,
)
from tier0.protocol.errors import InvalidRedirectUri, InvalidRedirectUriMetadata

REGISTERED = ["https://app.example.com/callback", "http://127.0.0.1/native/cb"]


def test_exact_match_is_accepted() -> None:
    assert (
        match_redirect_uri("https://app.example.com/callback", REGISTERED)
        == "https://app.example.com/callback"
    )


@pytest.mark.parametrize(
    "requested",
    [
        "https://app.example.com/callback/",  # trailing slash
        "https://APP.example.com/callback",  # host case
        "HTTPS://app.example.com/callback",  # scheme case
        "https://app.example.com/Callback",  # path case
        "https://app.example.com/callback?x=1",  # extra query
        "https://app.example.com/%2e/callback",  # encoded dot segment
        "https://app.example.com/./callback",
        "https://app.example.com/callback%2F",
        "https://user@app.example.com/callback",  # userinfo
        "https://app.example.com@evil.example/callback",
        "https://app.example.com:8443/callback",  # other port, not loopback
        "https://app.example.com:443/callback",  # even the default port
        "https://app.example.com/callback#frag",  # fragment
        "https://app.example.com/callback#",
        "https://good.evil.com/callback",  # look-alike host
        "https://app.example.com.evil.example/callback",
        "http://app.example.com/callback",  # downgrade
        "https://app.example.com/callback ",
        " https://app.example.com/callback",
        "//app.example.com/callback",
        "http://localhost/native/cb",  # localhost is not a loopback literal
        "http://127.0.0.1/native/cb/",
        "http://127.0.0.2/native/cb",
        "https://127.0.0.1/native/cb",
        "http://[::1]/native/cb",  # other loopback literal than registered
    ],
)
def test_oa01_near_misses_are_refused_without_redirect(requested: str) -> None:
    with pytest.raises(InvalidRedirectUri) as caught:
        match_redirect_uri(requested, REGISTERED)
    assert caught.value.redirectable is False
    assert caught.value.status_code == 400


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1:51004/native/cb",
        "http://127.0.0.1:1/native/cb",
        "http://127.0.0.1/native/cb",
    ],
)
def test_oa01_loopback_ip_allows_any_port(requested: str) -> None:
    # RFC 8252 §7.3: "MUST allow any port to be specified at the time of the request".
    assert match_redirect_uri(requested, REGISTERED) == requested


def test_oa01_loopback_ipv6_any_port() -> None:
    registered = ["http://[::1]:8080/cb"]
    assert match_redirect_uri("http://[::1]:61023/cb", registered) == "http://[::1]:61023/cb"
    assert match_redirect_uri("http://[::1]/cb", registered) == "http://[::1]/cb"


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1:0/native/cb",
        "http://127.0.0.1:65536/native/cb",
        "http://127.0.0.1:/native/cb",
    ],
)
def test_loopback_port_must_be_valid(requested: str) -> None:
    with pytest.raises(InvalidRedirectUri):
        match_redirect_uri(requested, REGISTERED)


def test_oa01_port_freedom_is_only_for_loopback_literals() -> None:
    registered = ["http://localhost:3000/cb"]
    assert match_redirect_uri("http://localhost:3000/cb", registered) == "http://localhost:3000/cb"
    with pytest.raises(InvalidRedirectUri):
        match_redirect_uri("http://localhost:3001/cb", registered)


def test_oa01_required_when_several_are_registered() -> None:
    with pytest.raises(InvalidRedirectUri, match="required"):
        match_redirect_uri(None, REGISTERED)


def test_omitted_redirect_uri_uses_the_only_registered_one() -> None:
    assert match_redirect_uri(None, ["https://a.example/cb"]) == "https://a.example/cb"


def test_openid_requests_must_send_redirect_uri() -> None:
    with pytest.raises(InvalidRedirectUri):
        match_redirect_uri(None, ["https://a.example/cb"], required=True)


def test_no_registered_uri_refuses_everything() -> None:
    with pytest.raises(InvalidRedirectUri):
        match_redirect_uri("https://a.example/cb", [])
    with pytest.raises(InvalidRedirectUri):
        match_redirect_uri(None, [])


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/callback",
        "https://app.example.com:8443/cb?tenant=1",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "com.example.app:/oauth2redirect",
        "https://[2001:db8::1]/cb",
    ],
)
def test_oa01_valid_registrations(uri: str) -> None:
    validate_registered_redirect_uri(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/cb#frag",  # RFC 6749 §3.1.2: no fragment
        "https://app.example.com/cb#",
        "http://app.example.com/cb",  # http off loopback
        "http://localhost/cb",  # localhost is not a loopback literal
        "http://localhost:8080/cb",
        "https://*.example.com/cb",  # wildcard
        "https://app.example.com/*",
        "https://user:pw@app.example.com/cb",  # userinfo
        "https:///cb",
        "https:app.example.com/cb",
        "/relative/cb",
        "HTTPS://app.example.com/cb",
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "myapp:/cb",  # custom scheme must be a reversed domain name
        "com.example.app:",
        "https://app.example.com/c b",
        "https://app.example.com/cb\n",
        "https://app.example.com:99999/cb",
        "https://app.example.com/" + "a" * 2100,
    ],
)
def test_oa01_refused_registrations(uri: str) -> None:
    with pytest.raises(InvalidRedirectUriMetadata) as caught:
        validate_registered_redirect_uri(uri)
    assert caught.value.error == "invalid_redirect_uri"
