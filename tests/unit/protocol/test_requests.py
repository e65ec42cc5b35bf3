"""Parsing /authorize and /oauth/token requests into frozen dataclasses."""

from __future__ import annotations

import dataclasses

import pytest

from tier0.protocol.checks.grant_types import GrantType
from tier0.protocol.checks.prompt import Prompt
from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.client_authentication import ClientAuthMethod
from tier0.protocol.errors import (
    InvalidClientId,
    InvalidRedirectUri,
    InvalidRequest,
    InvalidScope,
    RequestNotSupported,
    UnsupportedGrantType,
)
from tier0.protocol.requests import (
    parse_authorization_request,
    parse_authorization_target,
    parse_token_request,
)

CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def raw(**values: str | list[str]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


def authorize(**overrides: str | list[str]) -> dict[str, list[str]]:
    base: dict[str, str | list[str]] = {
        "client_id": "app1",
        "redirect_uri": "https://app.example/cb",
        "response_type": "code",
        "scope": "openid profile",
        "state": "xyz",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    base.update(overrides)
    return raw(**base)


def test_full_authorization_request_is_parsed() -> None:
    request = parse_authorization_request(
        authorize(
            nonce="n" * 64,
            prompt="login consent",
            max_age="300",
            login_hint="ann@example.com",
            response_mode="form_post",
            audience="https://api.example",
            resource=["https://api.example"],
            acr_values="urn:a  urn:b",
            ui_locales="fr-CA en",
            unknown_param="ignored",
        )
    )
    assert request.client_id == "app1"
    assert request.redirect_uri == "https://app.example/cb"
    assert request.response_type == "code"
    assert request.scope == ("openid", "profile")
    assert request.is_openid
    assert not request.wants_offline_access
    assert request.nonce == "n" * 64
    assert request.prompt == frozenset({Prompt.LOGIN, Prompt.CONSENT})
    assert request.max_age == 300
    assert request.response_mode is ResponseMode.FORM_POST
    assert request.resource == ("https://api.example",)
    assert request.acr_values == ("urn:a", "urn:b")
    assert request.ui_locales == ("fr-CA", "en")
    assert request.code_challenge == CHALLENGE


def test_request_is_frozen() -> None:
    request = parse_authorization_request(authorize())
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.client_id = "other"  # type: ignore[misc]  # asserting immutability


def test_oa04_state_of_1500_characters_round_trips() -> None:
    state = "S" * 1500
    assert parse_authorization_request(authorize(state=state)).state == state


def test_oa02_missing_client_id_is_page_only() -> None:
    params = authorize()
    del params["client_id"]
    with pytest.raises(InvalidClientId) as caught:
        parse_authorization_target(params)
    assert caught.value.redirectable is False


def test_oa02_repeated_redirect_uri_is_page_only() -> None:
    params = authorize(redirect_uri=["https://app.example/cb", "https://evil.example/cb"])
    with pytest.raises(InvalidRedirectUri):
        parse_authorization_target(params)
    with pytest.raises(InvalidRedirectUri):
        parse_authorization_request(params)


def test_target_tolerates_a_bad_state_and_mode() -> None:
    target = parse_authorization_target(authorize(state=["a", "b"], response_mode="fragment"))
    assert target.client_id == "app1"
    assert target.state is None
    assert target.response_mode is None


def test_target_reads_state_and_mode() -> None:
    target = parse_authorization_target(authorize(response_mode="form_post"))
    assert target.state == "xyz"
    assert target.response_mode is ResponseMode.FORM_POST


def test_bad_state_fails_the_full_parse_as_redirectable() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_authorization_request(authorize(state=["a", "b"]))
    assert caught.value.redirectable is True


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "openid\tprofile"}, InvalidScope),
        ({"prompt": "none login"}, InvalidRequest),
        ({"max_age": "soon"}, InvalidRequest),
        ({"response_mode": "fragment"}, InvalidRequest),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, RequestNotSupported),
        ({"nonce": ["a", "b"]}, InvalidRequest),
    ],
)
def test_malformed_authorization_parameters(
    overrides: dict[str, str | list[str]], error: type[Exception]
) -> None:
    with pytest.raises(error):
        parse_authorization_request(authorize(**overrides))


def test_id_token_hint_is_kept_out_of_repr() -> None:
    request = parse_authorization_request(authorize(id_token_hint="eyJhbGciOi.secret.part"))
    assert request.id_token_hint == "eyJhbGciOi.secret.part"
    assert "secret" not in repr(request)


def test_authorization_code_token_request() -> None:
    request = parse_token_request(
        raw(
            grant_type="authorization_code",
            code="the-code",
            redirect_uri="https://app.example/cb",
            code_verifier="v" * 43,
            client_id="app1",
        )
    )
    assert request.grant_type is GrantType.AUTHORIZATION_CODE
    assert request.client.method is ClientAuthMethod.NONE
    assert request.client.client_id == "app1"
    assert request.code == "the-code"
    assert request.code_verifier == "v" * 43
    assert "the-code" not in repr(request)
    assert "v" * 43 not in repr(request)


def test_refresh_token_request_with_narrowed_scope() -> None:
    request = parse_token_request(
        raw(grant_type="refresh_token", refresh_token="rt-1", scope="read", client_id="a"),
    )
    assert request.grant_type is GrantType.REFRESH_TOKEN
    assert request.scope == ("read",)
    assert "rt-1" not in repr(request)


def test_client_credentials_request_with_basic_auth() -> None:
    request = parse_token_request(
        raw(grant_type="client_credentials", audience="https://api.example"),
        authorization="Basic bTJtOnMzY3IzdA==",  # m2m:s3cr3t
    )
    assert request.grant_type is GrantType.CLIENT_CREDENTIALS
    assert request.client.method is ClientAuthMethod.CLIENT_SECRET_BASIC
    assert request.audience == "https://api.example"
    assert "s3cr3t" not in repr(request)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"client_id": "a"}, InvalidRequest),
        ({"grant_type": "authorization_code", "client_id": "a"}, InvalidRequest),
        ({"grant_type": "refresh_token", "client_id": "a"}, InvalidRequest),
        ({"grant_type": "password", "client_id": "a"}, UnsupportedGrantType),
        ({"grant_type": ["client_credentials", "password"]}, InvalidRequest),
        ({"grant_type": "urn:example:custom", "client_id": "a"}, UnsupportedGrantType),
    ],
)
def test_malformed_token_requests(
    values: dict[str, str | list[str]], error: type[Exception]
) -> None:
    with pytest.raises(error):
        parse_token_request(raw(**values))


def test_oa11_password_grant_is_unsupported() -> None:
    with pytest.raises(UnsupportedGrantType) as caught:
        parse_token_request(raw(grant_type="password", username="u", password="p"))
    assert caught.value.error == "unsupported_grant_type"
