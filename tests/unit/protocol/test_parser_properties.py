"""Property tests: parsers and checks only ever raise OAuthError subclasses (IV-02).

Whatever arrives over the wire, a parser either returns a value or raises an
:class:`OAuthError`; anything else would surface as a 500 with a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tier0.protocol import params
from tier0.protocol.bearer import parse_access_token
from tier0.protocol.checks.grant_types import parse_grant_type
from tier0.protocol.checks.pkce import check_code_challenge, s256_challenge, verify_pkce
from tier0.protocol.checks.prompt import parse_max_age, parse_prompt
from tier0.protocol.checks.redirect_uri import (
    match_redirect_uri,
    validate_registered_redirect_uri,
)
from tier0.protocol.checks.resource import select_audience
from tier0.protocol.checks.response import check_response_type, resolve_response_mode
from tier0.protocol.checks.scope import parse_scope
from tier0.protocol.errors import OAuthError
from tier0.protocol.requests import (
    parse_authorization_request,
    parse_authorization_target,
    parse_token_request,
)

# Any code point, lone surrogates included (a lenient form decoder can produce them).
anything = st.text(st.characters(exclude_categories=()), max_size=64)
wire_text = st.one_of(
    anything,
    st.text(alphabet="abc:/.?#@%&=+ -_~[]S2560", max_size=40),
    st.sampled_from(
        [
            "code",
            "S256",
            "plain",
            "none",
            "openid",
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
            "form_post",
            "fragment",
            "https://a.example/cb",
            "http://127.0.0.1:8080/cb",
            "0",
            "-1",
            "",
            " ",
        ]
    ),
)
names = st.one_of(st.sampled_from(sorted(params.PARAM_SPECS)), anything)
raw_params = st.dictionaries(names, st.lists(wire_text, max_size=3), max_size=12)
maybe_text = st.none() | wire_text


def _only_oauth_errors(call: Callable[[], object]) -> None:
    """Run ``call``; an OAuthError is a fine outcome, any other exception fails the test."""
    with contextlib.suppress(OAuthError):
        call()


@settings(max_examples=300, deadline=None)
@given(raw_params)
def test_authorization_parsers_raise_only_oauth_errors(raw: dict[str, list[str]]) -> None:
    _only_oauth_errors(lambda: parse_authorization_target(raw))
    _only_oauth_errors(lambda: parse_authorization_request(raw))


@settings(max_examples=300, deadline=None)
@given(raw_params, maybe_text)
def test_token_parser_raises_only_oauth_errors(
    raw: dict[str, list[str]], authorization: str | None
) -> None:
    _only_oauth_errors(lambda: parse_token_request(raw, authorization))


@settings(deadline=None)
@given(maybe_text, raw_params, raw_params)
def test_access_token_parser_raises_only_oauth_errors(
    authorization: str | None, query: dict[str, list[str]], body: dict[str, list[str]]
) -> None:
    _only_oauth_errors(lambda: parse_access_token(authorization, query, body))


@settings(deadline=None)
@given(maybe_text, maybe_text, maybe_text)
def test_small_parsers_raise_only_oauth_errors(a: str | None, b: str | None, c: str | None) -> None:
    _only_oauth_errors(lambda: parse_scope(a))
    _only_oauth_errors(lambda: parse_prompt(a))
    _only_oauth_errors(lambda: parse_max_age(a))
    _only_oauth_errors(lambda: check_response_type(a))
    _only_oauth_errors(lambda: resolve_response_mode(a))
    _only_oauth_errors(lambda: check_code_challenge(a, b))
    _only_oauth_errors(lambda: verify_pkce(a, b))
    _only_oauth_errors(lambda: parse_grant_type(a or ""))
    _only_oauth_errors(lambda: match_redirect_uri(a, [b or "https://a.example/cb"]))
    _only_oauth_errors(lambda: validate_registered_redirect_uri(a or ""))
    _only_oauth_errors(lambda: select_audience(a, (b,) if b else (), {c or "x"}))


@settings(deadline=None)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~",
        min_size=43,
        max_size=128,
    )
)
def test_oa03_every_valid_verifier_verifies_against_its_challenge(verifier: str) -> None:
    challenge = s256_challenge(verifier)
    check_code_challenge(challenge, "S256")
    verify_pkce(verifier, challenge)
    other = verifier[1:] + ("a" if verifier[0] != "a" else "b")
    with pytest.raises(OAuthError):
        verify_pkce(other, challenge)


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=65535), st.sampled_from(["127.0.0.1", "[::1]"]))
def test_oa01_loopback_matches_on_every_port(port: int, host: str) -> None:
    registered = [f"http://{host}/cb"]
    requested = f"http://{host}:{port}/cb"
    assert match_redirect_uri(requested, registered) == requested


@settings(deadline=None)
@given(anything, anything)
def test_oa01_a_different_string_never_matches_a_non_loopback_uri(path: str, other: str) -> None:
    registered = f"https://app.example/{path}"
    requested = f"https://app.example/{other}"
    if requested == registered:
        assert match_redirect_uri(requested, [registered]) == registered
    else:
        with pytest.raises(OAuthError):
            match_redirect_uri(requested, [registered])


@settings(deadline=None)
@given(raw_params)
def test_single_never_returns_more_than_the_cap(raw: dict[str, list[str]]) -> None:
    for name, spec in params.PARAM_SPECS.items():
        try:
            value = params.single(raw, name)
        except OAuthError:
            continue
        assert value is None or 0 < len(value) <= spec.max_length
