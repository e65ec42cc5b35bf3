"""The /authorize checks table, decision and error routing (framework-free)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tier0.protocol.checks.pkce import s256_challenge
from tier0.protocol.checks.prompt import Prompt
from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.endpoints.authorize import (
    AUTHORIZE_CHECKS,
    ApiPolicy,
    ClientPolicy,
    ConsentInteraction,
    IssueCode,
    LoginInteraction,
    decide,
    resolve_target,
    validate_request,
)
from tier0.protocol.errors import (
    ConsentRequired,
    InvalidRedirectUri,
    InvalidRequest,
    InvalidTarget,
    LoginRequired,
    OAuthError,
    UnauthorizedClient,
    UnknownClient,
    UnsupportedResponseType,
)

CALLBACK = "https://app.example.com/callback"
CLIENT = ClientPolicy(
    client_id="abc123",
    name="App",
    redirect_uris=(CALLBACK,),
    grant_types=("authorization_code", "refresh_token"),
)
API = ApiPolicy("https://api.example.com", ("read:things", "write:things"), True)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def raw(**overrides: str | None) -> dict[str, list[str]]:
    params: dict[str, str | None] = {
        "client_id": "abc123",
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile",
        "state": "xyz",
        "code_challenge": s256_challenge("v" * 43),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: [v] for k, v in params.items() if v is not None}


def validated(**overrides: str | None) -> object:
    request = raw(**overrides)
    return validate_request(request, resolve_target(request, CLIENT), {API.identifier: API})


def test_checks_table_is_ordered_and_named() -> None:
    names = [name for name, _check in AUTHORIZE_CHECKS]
    assert names[0] == "response_type"
    assert names.index("pkce") < names.index("audience")
    assert len(set(names)) == len(names)


def test_oa02_unknown_client_is_not_redirectable() -> None:
    with pytest.raises(UnknownClient) as caught:
        resolve_target(raw(), None)
    assert not caught.value.redirectable


@pytest.mark.parametrize("redirect_uri", [None, CALLBACK + "/", "https://evil.example.com/cb"])
def test_oa01_redirect_uri_required_and_exact(redirect_uri: str | None) -> None:
    with pytest.raises(InvalidRedirectUri) as caught:
        resolve_target(raw(redirect_uri=redirect_uri), CLIENT)
    assert not caught.value.redirectable


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, UnsupportedResponseType),
        ({"response_type": "code id_token"}, UnsupportedResponseType),
        ({"response_type": None}, InvalidRequest),
        ({"code_challenge": None}, InvalidRequest),
        ({"code_challenge_method": "plain"}, InvalidRequest),
        ({"code_challenge_method": None}, InvalidRequest),
        ({"audience": "https://unknown.example.com"}, InvalidTarget),
        ({"prompt": "none login"}, InvalidRequest),
        ({"response_mode": "fragment"}, InvalidRequest),
    ],
)
def test_oa03_oa11_refusals_are_redirectable(
    overrides: dict[str, str | None], error: type[OAuthError]
) -> None:
    with pytest.raises(error) as caught:
        validated(**overrides)
    assert caught.value.redirectable


def test_oa11_client_without_code_grant_is_unauthorized() -> None:
    m2m = ClientPolicy("abc123", "M2M", (CALLBACK,), ("client_credentials",))
    request = raw()
    with pytest.raises(UnauthorizedClient):
        validate_request(request, resolve_target(request, m2m), {})


def test_oa11_scope_is_allowed_intersect_requested() -> None:
    result = validate_request(
        raw(scope="openid read:things admin:all offline_access", audience=API.identifier),
        resolve_target(raw(), CLIENT),
        {API.identifier: API},
    )
    assert result.scope == ("openid", "read:things", "offline_access")
    assert result.audience == API.identifier


def test_offline_access_dropped_without_refresh_grant() -> None:
    spa = ClientPolicy("abc123", "SPA", (CALLBACK,), ("authorization_code",))
    request = raw(scope="openid offline_access")
    result = validate_request(request, resolve_target(request, spa), {})
    assert result.scope == ("openid",)


def test_oa11_third_party_client_needs_consent() -> None:
    third = ClientPolicy("abc123", "3P", (CALLBACK,), ("authorization_code",), first_party=False)
    request = raw()
    auth = validate_request(request, resolve_target(request, third), {})
    assert not auth.first_party
    earlier = NOW - timedelta(minutes=1)
    asked = decide(auth, session_auth_time=earlier, now=NOW)
    assert isinstance(asked, ConsentInteraction)
    remembered = decide(auth, session_auth_time=earlier, now=NOW, consent_given=True)
    assert isinstance(remembered, IssueCode)
    again = validate_request(raw(prompt="consent"), resolve_target(request, third), {})
    forced = decide(again, session_auth_time=earlier, now=NOW, consent_given=True)
    assert isinstance(forced, ConsentInteraction)
    done = decide(again, session_auth_time=earlier, now=NOW, consented_in_this_request=True)
    assert isinstance(done, IssueCode)
    silent = validate_request(raw(prompt="none"), resolve_target(request, third), {})
    with pytest.raises(ConsentRequired):
        decide(silent, session_auth_time=earlier, now=NOW)


def test_first_party_client_never_asks_consent() -> None:
    auth = validate_request(raw(prompt="consent"), resolve_target(raw(), CLIENT), {})
    outcome = decide(auth, session_auth_time=NOW, now=NOW)
    assert isinstance(outcome, IssueCode)


def test_validated_request_keeps_bindings() -> None:
    long_state = "s" * 1500
    nonce = "n" * 64
    result = validate_request(
        raw(state=long_state, nonce=nonce, response_mode="form_post"),
        resolve_target(raw(), CLIENT),
        {},
    )
    assert result.state == long_state
    assert result.nonce == nonce
    assert result.response_mode is ResponseMode.FORM_POST
    assert result.code_challenge_method == "S256"
    assert result.redirect_uri == CALLBACK


def test_decide_without_session_needs_login() -> None:
    result = validate_request(raw(), resolve_target(raw(), CLIENT), {})
    assert isinstance(decide(result, session_auth_time=None, now=NOW), LoginInteraction)


def test_decide_prompt_none_without_session_is_login_required() -> None:
    result = validate_request(raw(prompt="none"), resolve_target(raw(), CLIENT), {})
    with pytest.raises(LoginRequired) as caught:
        decide(result, session_auth_time=None, now=NOW)
    assert caught.value.redirectable


def test_decide_sso_and_forced_reauthentication() -> None:
    plain = validate_request(raw(), resolve_target(raw(), CLIENT), {})
    earlier = NOW - timedelta(minutes=10)
    assert isinstance(decide(plain, session_auth_time=earlier, now=NOW), IssueCode)
    forced = validate_request(raw(prompt="login"), resolve_target(raw(), CLIENT), {})
    assert forced.prompt == frozenset({Prompt.LOGIN})
    assert isinstance(decide(forced, session_auth_time=earlier, now=NOW), LoginInteraction)
    resumed = decide(forced, session_auth_time=NOW, now=NOW, authenticated_in_this_request=True)
    assert isinstance(resumed, IssueCode)
    aged = validate_request(raw(max_age="300"), resolve_target(raw(), CLIENT), {})
    assert isinstance(decide(aged, session_auth_time=earlier, now=NOW), LoginInteraction)
