"""Authorization responses always carry iss, and state when it was sent (OA-10)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.errors import AccessDenied, InvalidRedirectUri, LoginRequired
from tier0.protocol.responses import authorization_error, authorization_success

ISSUER = "https://id.example/t/acme/"


def test_oa10_success_carries_code_state_and_iss() -> None:
    response = authorization_success(
        redirect_uri="https://app.example/cb",
        mode=ResponseMode.QUERY,
        issuer=ISSUER,
        code="c0de",
        state="xyz",
    )
    assert response.as_dict() == {"code": "c0de", "state": "xyz", "iss": ISSUER}
    query = parse_qs(urlsplit(response.redirect_location()).query)
    assert query == {"code": ["c0de"], "state": ["xyz"], "iss": [ISSUER]}
    assert "c0de" not in repr(response)


def test_oa10_error_carries_iss_and_state() -> None:
    response = authorization_error(
        LoginRequired(),
        redirect_uri="https://app.example/cb",
        mode=ResponseMode.QUERY,
        issuer=ISSUER,
        state="s1",
    )
    params = response.as_dict()
    assert params["error"] == "login_required"
    assert params["iss"] == ISSUER
    assert params["state"] == "s1"
    assert "error_description" in params


def test_state_is_omitted_when_not_sent() -> None:
    response = authorization_error(
        AccessDenied(),
        redirect_uri="https://app.example/cb",
        mode=ResponseMode.QUERY,
        issuer=ISSUER,
        state=None,
    )
    assert "state" not in response.as_dict()
    assert response.as_dict()["iss"] == ISSUER


def test_oa04_long_state_is_echoed_exactly() -> None:
    state = "a/b+c=d&e " * 150
    response = authorization_success(
        redirect_uri="https://app.example/cb",
        mode=ResponseMode.QUERY,
        issuer=ISSUER,
        code="c",
        state=state,
    )
    query = parse_qs(urlsplit(response.redirect_location()).query)
    assert query["state"] == [state]


def test_existing_query_is_retained() -> None:
    response = authorization_success(
        redirect_uri="https://app.example/cb?tenant=7",
        mode=ResponseMode.QUERY,
        issuer=ISSUER,
        code="c",
        state=None,
    )
    location = response.redirect_location()
    assert location.startswith("https://app.example/cb?tenant=7&code=c")
    assert parse_qs(urlsplit(location).query)["tenant"] == ["7"]


def test_form_post_returns_params_not_a_location() -> None:
    response = authorization_success(
        redirect_uri="https://app.example/cb",
        mode=ResponseMode.FORM_POST,
        issuer=ISSUER,
        code="c",
        state="s",
    )
    assert response.mode is ResponseMode.FORM_POST
    assert response.as_dict()["iss"] == ISSUER
    with pytest.raises(ValueError, match="query"):
        response.redirect_location()


def test_oa02_page_only_error_cannot_become_a_redirect() -> None:
    with pytest.raises(ValueError, match="must not be sent"):
        authorization_error(
            InvalidRedirectUri(),
            redirect_uri="https://evil.example/cb",
            mode=ResponseMode.QUERY,
            issuer=ISSUER,
            state=None,
        )
