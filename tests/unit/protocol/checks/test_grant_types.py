"""Supported grants and per-client allowlists (OA-11)."""

from __future__ import annotations

import pytest

from tier0.protocol.checks.grant_types import (
    GrantType,
    check_grant_allowed,
    parse_grant_type,
    validate_client_grant_types,
)
from tier0.protocol.errors import InvalidClientMetadata, UnauthorizedClient, UnsupportedGrantType


@pytest.mark.parametrize("grant", list(GrantType))
def test_supported_grants_parse(grant: GrantType) -> None:
    assert parse_grant_type(grant.value) is grant


@pytest.mark.parametrize(
    "value",
    [
        "password",
        "implicit",
        "http://auth0.com/oauth/grant-type/password-realm",
        "urn:ietf:params:oauth:grant-type:device_code",
        "Authorization_Code",
    ],
)
def test_oa11_password_implicit_and_unknown_grants_are_unsupported(value: str) -> None:
    with pytest.raises(UnsupportedGrantType) as caught:
        parse_grant_type(value)
    assert caught.value.error == "unsupported_grant_type"


def test_oa11_ungranted_grant_is_unauthorized_client() -> None:
    check_grant_allowed(GrantType.AUTHORIZATION_CODE, {"authorization_code", "refresh_token"})
    with pytest.raises(UnauthorizedClient) as caught:
        check_grant_allowed(GrantType.CLIENT_CREDENTIALS, {"authorization_code"})
    assert caught.value.error == "unauthorized_client"


def test_registration_accepts_only_implemented_grants() -> None:
    assert validate_client_grant_types(["authorization_code", "refresh_token"]) == {
        GrantType.AUTHORIZATION_CODE,
        GrantType.REFRESH_TOKEN,
    }
    with pytest.raises(InvalidClientMetadata):
        validate_client_grant_types(["authorization_code", "password"])
