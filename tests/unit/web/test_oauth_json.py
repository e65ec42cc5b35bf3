"""Token-side JSON responses render exactly as Starlette's JSONResponse (RFC 6749 §5.1)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import JSONResponse

from tier0.web.oauth.render import json_no_store

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), _VALUES, max_size=6))
def test_body_is_byte_for_byte_starlettes(body: dict[str, Any]) -> None:
    assert json_no_store(body).body == JSONResponse(body).body


def test_no_store_headers_and_no_nan() -> None:
    response = json_no_store({"access_token": "é", "expires_in": 86400}, 200)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["content-type"] == "application/json"
    assert response.body == '{"access_token":"é","expires_in":86400}'.encode()
    with pytest.raises(ValueError):
        json_no_store({"x": math.nan})
