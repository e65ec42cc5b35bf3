"""Reading a presented access token: header or body, never the query (OA-12)."""

from __future__ import annotations

import pytest

from tier0.protocol.bearer import TokenScheme, parse_access_token
from tier0.protocol.errors import InvalidRequest, InvalidToken


def test_bearer_header() -> None:
    token = parse_access_token("Bearer abc.def-ghi_jkl~mno+p/q==", {})
    assert token is not None
    assert token.scheme is TokenScheme.BEARER
    assert token.token == "abc.def-ghi_jkl~mno+p/q=="
    assert "abc.def" not in repr(token)


def test_scheme_is_case_insensitive_and_dpop_is_recognised() -> None:
    bearer = parse_access_token("bearer t1", {})
    dpop = parse_access_token("DPoP t2", {})
    assert bearer is not None and bearer.scheme is TokenScheme.BEARER
    assert dpop is not None and dpop.scheme is TokenScheme.DPOP


def test_oa12_query_access_token_is_refused_with_401() -> None:
    with pytest.raises(InvalidToken) as caught:
        parse_access_token(None, {"access_token": ["t"]})
    assert caught.value.status_code == 401
    with pytest.raises(InvalidToken):
        parse_access_token("Bearer t", {"access_token": ["t"]})


def test_body_token_is_accepted() -> None:
    token = parse_access_token(None, {}, {"access_token": ["t1"]})
    assert token is not None and token.token == "t1"


def test_header_and_body_together_are_refused() -> None:
    with pytest.raises(InvalidRequest):
        parse_access_token("Bearer t1", {}, {"access_token": ["t1"]})


def test_no_token_is_none() -> None:
    assert parse_access_token(None, {}) is None
    assert parse_access_token("Basic Zm9vOmJhcg==", {}) is None


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer a\x00", "Bearer é"])
def test_malformed_header_is_invalid_request(header: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_access_token(header, {})
