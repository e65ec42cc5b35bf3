"""OAuthError hierarchy: RFC codes, statuses, public vs log-only text."""

from __future__ import annotations

import pytest

from tier0.protocol import errors
from tier0.protocol.errors import (
    InvalidClient,
    InvalidClientId,
    InvalidGrant,
    InvalidRedirectUri,
    InvalidRequest,
    OAuthError,
    UnknownClient,
)

# Every code is registered by RFC 6749, 6750, 7591, 8628, 8707, 9449 or OIDC Core.
REGISTERED = {
    "invalid_request": 400,
    "invalid_client": 401,
    "invalid_grant": 400,
    "unauthorized_client": 400,
    "unsupported_grant_type": 400,
    "invalid_scope": 400,
    "access_denied": 400,
    "unsupported_response_type": 400,
    "server_error": 500,
    "temporarily_unavailable": 503,
    "invalid_target": 400,
    "login_required": 400,
    "interaction_required": 400,
    "consent_required": 400,
    "account_selection_required": 400,
    "invalid_request_uri": 400,
    "invalid_request_object": 400,
    "request_not_supported": 400,
    "invalid_token": 401,
    "insufficient_scope": 403,
    "invalid_dpop_proof": 400,
    "use_dpop_nonce": 400,
    "slow_down": 400,
    "authorization_pending": 400,
    "expired_token": 400,
    "invalid_redirect_uri": 400,
    "invalid_client_metadata": 400,
}

PAGE_ONLY = (InvalidRedirectUri, InvalidClientId, UnknownClient)


def _error_classes() -> list[type[OAuthError]]:
    return [
        cls
        for name in errors.__all__
        if isinstance(cls := getattr(errors, name), type)
        and issubclass(cls, OAuthError)
        and cls is not OAuthError
    ]


def test_every_code_is_registered_with_its_status() -> None:
    classes = _error_classes()
    codes = {cls.error for cls in classes if cls not in PAGE_ONLY}
    assert codes == set(REGISTERED)
    for cls in classes:
        if cls not in PAGE_ONLY:
            assert cls.status_code == REGISTERED[cls.error], cls


def test_to_json_has_error_and_description() -> None:
    body = InvalidGrant("The code has expired.").to_json()
    assert body == {"error": "invalid_grant", "error_description": "The code has expired."}


def test_default_description_when_none_given() -> None:
    assert InvalidClient().description == "Client authentication failed."


def test_debug_never_leaks_into_public_surfaces() -> None:
    exc = InvalidGrant("PKCE verification failed.", debug="verifier=abc123secret")
    assert exc.debug == "verifier=abc123secret"
    for surface in (str(exc), repr(exc), str(exc.args), str(exc.to_json())):
        assert "abc123secret" not in surface


def test_description_is_sanitised_to_rfc6749_charset() -> None:
    exc = InvalidRequest('bad "value"\r\nSet-Cookie: x=1\\ é')
    assert exc.description == "bad ?value???Set-Cookie: x=1? ?"
    assert all(0x20 <= ord(ch) <= 0x7E and ch not in '"\\' for ch in exc.description)


def test_description_is_bounded() -> None:
    assert len(InvalidRequest("x" * 10_000).description) <= 300


def test_oa02_page_only_errors_are_not_redirectable_and_400() -> None:
    for cls in PAGE_ONLY:
        assert cls.redirectable is False
        assert cls.status_code == 400
    assert InvalidRedirectUri().error == "invalid_request"
    assert InvalidClientId().error == "invalid_request"
    assert UnknownClient().error == "invalid_client"


def test_page_only_errors_are_caught_as_their_code_class() -> None:
    with pytest.raises(InvalidRequest):
        raise InvalidRedirectUri()
    with pytest.raises(InvalidClient):
        raise UnknownClient()


def test_ordinary_errors_are_redirectable() -> None:
    assert InvalidRequest.redirectable is True
    assert errors.AccessDenied.redirectable is True
    assert errors.LoginRequired.redirectable is True
