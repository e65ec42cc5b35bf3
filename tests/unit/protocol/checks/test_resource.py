"""audience (Auth0) and resource (RFC 8707) select one API."""

from __future__ import annotations

import pytest

from tier0.protocol.checks.resource import check_resource_uri, select_audience
from tier0.protocol.errors import InvalidTarget

APIS = {"https://api.example.com", "urn:example:billing", "orders-api"}


def test_audience_selects_a_known_api() -> None:
    assert select_audience("orders-api", (), APIS) == "orders-api"


def test_resource_selects_a_known_api() -> None:
    assert select_audience(None, ("urn:example:billing",), APIS) == "urn:example:billing"


def test_same_api_in_both_is_fine() -> None:
    api = "https://api.example.com"
    assert select_audience(api, (api,), APIS) == api


def test_nothing_requested_gives_the_default() -> None:
    assert select_audience(None, (), APIS) is None
    assert select_audience(None, (), APIS, default="orders-api") == "orders-api"


def test_unknown_api_is_invalid_target() -> None:
    with pytest.raises(InvalidTarget) as caught:
        select_audience("https://other.example", (), APIS)
    assert caught.value.error == "invalid_target"


def test_conflicting_audience_and_resource_are_invalid_target() -> None:
    with pytest.raises(InvalidTarget):
        select_audience("orders-api", ("https://api.example.com",), APIS)


def test_several_resources_are_invalid_target() -> None:
    with pytest.raises(InvalidTarget):
        select_audience(None, ("https://api.example.com", "urn:example:billing"), APIS)


@pytest.mark.parametrize(
    "value",
    ["https://api.example.com#frag", "api.example.com", "/relative", "orders-api", "https://a b"],
)
def test_resource_must_be_absolute_uri_without_fragment(value: str) -> None:
    # RFC 8707 §2: absolute URI, no fragment.
    with pytest.raises(InvalidTarget):
        check_resource_uri(value)
    with pytest.raises(InvalidTarget):
        select_audience(None, (value,), APIS | {value})


def test_resource_with_query_is_allowed_syntax() -> None:
    check_resource_uri("https://api.example.com/v1?region=eu")
