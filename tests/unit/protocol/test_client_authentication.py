"""Reading presented client credentials (RFC 6749 §2.3, RFC 7523)."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

import pytest

from tier0.protocol.client_authentication import (
    JWT_BEARER_ASSERTION,
    ClientAuthMethod,
    parse_client_authentication,
)
from tier0.protocol.errors import InvalidClient, InvalidRequest


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def test_basic_credentials_are_form_decoded() -> None:
    # RFC 6749 §2.3.1: both halves are application/x-www-form-urlencoded first.
    presented = parse_client_authentication({}, basic("my app:1", "p@ss:w+rd"))
    assert presented.method is ClientAuthMethod.CLIENT_SECRET_BASIC
    assert presented.client_id == "my app:1"
    assert presented.client_secret == "p@ss:w+rd"
    assert "p@ss" not in repr(presented)


def test_basic_scheme_is_case_insensitive() -> None:
    header = basic("a", "b").replace("Basic", "bAsIc")
    assert parse_client_authentication({}, header).client_id == "a"


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!not-base64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":secret-only").decode(),
        "Basic " + base64.b64encode(b"id-only:").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic " + "A" * 3000,
    ],
)
def test_malformed_basic_is_invalid_client(header: str) -> None:
    with pytest.raises(InvalidClient):
        parse_client_authentication({}, header)


def test_client_secret_post() -> None:
    presented = parse_client_authentication({"client_id": ["a"], "client_secret": ["s"]}, None)
    assert presented.method is ClientAuthMethod.CLIENT_SECRET_POST
    assert presented.client_secret == "s"


def test_private_key_jwt() -> None:
    presented = parse_client_authentication(
        {"client_assertion": ["h.p.s"], "client_assertion_type": [JWT_BEARER_ASSERTION]}, None
    )
    assert presented.method is ClientAuthMethod.PRIVATE_KEY_JWT
    assert presented.client_id is None
    assert presented.client_assertion == "h.p.s"


def test_public_client_presents_only_its_id() -> None:
    presented = parse_client_authentication({"client_id": ["spa"]}, None)
    assert presented.method is ClientAuthMethod.NONE
    assert presented.client_secret is None


def test_no_client_at_all_is_invalid_client() -> None:
    with pytest.raises(InvalidClient):
        parse_client_authentication({}, None)


def test_two_methods_at_once_are_refused() -> None:
    # RFC 6749 §2.3: "The client MUST NOT use more than one authentication method".
    with pytest.raises(InvalidRequest):
        parse_client_authentication({"client_secret": ["s"]}, basic("a", "b"))
    with pytest.raises(InvalidRequest):
        parse_client_authentication(
            {
                "client_id": ["a"],
                "client_secret": ["s"],
                "client_assertion": ["h.p.s"],
                "client_assertion_type": [JWT_BEARER_ASSERTION],
            },
            None,
        )


def test_body_client_id_must_match_basic() -> None:
    with pytest.raises(InvalidRequest):
        parse_client_authentication({"client_id": ["other"]}, basic("a", "b"))
    same = parse_client_authentication({"client_id": ["a"]}, basic("a", "b"))
    assert same.client_id == "a"


def test_wrong_assertion_type_is_invalid_client() -> None:
    with pytest.raises(InvalidClient):
        parse_client_authentication(
            {"client_assertion": ["h.p.s"], "client_assertion_type": ["urn:other"]}, None
        )


def test_assertion_type_without_assertion_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        parse_client_authentication(
            {"client_id": ["a"], "client_assertion_type": [JWT_BEARER_ASSERTION]}, None
        )


def test_other_authorization_schemes_are_not_client_credentials() -> None:
    presented = parse_client_authentication({"client_id": ["a"]}, "Bearer abc")
    assert presented.method is ClientAuthMethod.NONE
