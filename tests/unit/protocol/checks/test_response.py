"""response_type=code only; response_mode query or form_post (OA-11)."""

from __future__ import annotations

import pytest

from tier0.protocol.checks.response import (
    ResponseMode,
    check_response_type,
    resolve_response_mode,
)
from tier0.protocol.errors import InvalidRequest, UnsupportedResponseType


def test_code_is_accepted() -> None:
    check_response_type("code")


def test_missing_response_type_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest):
        check_response_type(None)


@pytest.mark.parametrize(
    "value", ["token", "id_token", "code id_token", "code token", "id_token token", "none", "Code"]
)
def test_oa11_other_response_types_are_unsupported(value: str) -> None:
    with pytest.raises(UnsupportedResponseType) as caught:
        check_response_type(value)
    assert caught.value.error == "unsupported_response_type"
    assert caught.value.redirectable is True


def test_default_mode_is_query() -> None:
    assert resolve_response_mode(None) is ResponseMode.QUERY


def test_form_post_is_supported() -> None:
    assert resolve_response_mode("form_post") is ResponseMode.FORM_POST


@pytest.mark.parametrize("value", ["fragment", "query.jwt", "web_message", "QUERY"])
def test_fragment_and_unknown_modes_are_refused(value: str) -> None:
    with pytest.raises(InvalidRequest):
        resolve_response_mode(value)


def test_oa11_per_client_mode_allowlist() -> None:
    only_query = {ResponseMode.QUERY}
    assert resolve_response_mode("query", only_query) is ResponseMode.QUERY
    with pytest.raises(InvalidRequest, match="not allowed"):
        resolve_response_mode("form_post", only_query)
