"""Single values, repeats, empties and length caps (RFC 6749 §3.1, IV-02)."""

from __future__ import annotations

import pytest

from tier0.protocol import params
from tier0.protocol.errors import InvalidRedirectUri, InvalidRequest


def test_single_value_is_returned() -> None:
    assert params.single({"state": ["abc"]}, "state") == "abc"


def test_absent_and_empty_are_none() -> None:
    # RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were
    # omitted from the request."
    assert params.single({}, "state") is None
    assert params.single({"state": [""]}, "state") is None
    assert params.single({"state": []}, "state") is None


def test_iv02_repeated_parameter_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest, match="more than once"):
        params.single({"redirect_uri": ["https://a/cb", "https://b/cb"]}, "redirect_uri")


def test_repeat_with_an_empty_copy_is_still_a_repeat() -> None:
    with pytest.raises(InvalidRequest):
        params.single({"scope": ["", "openid"]}, "scope")


def test_error_class_is_chosen_by_the_caller() -> None:
    with pytest.raises(InvalidRedirectUri):
        params.single({"redirect_uri": ["a", "b"]}, "redirect_uri", error=InvalidRedirectUri)


def test_required_refuses_absent_and_empty() -> None:
    with pytest.raises(InvalidRequest, match="required"):
        params.required({}, "client_id")
    with pytest.raises(InvalidRequest, match="required"):
        params.required({"client_id": [""]}, "client_id")


def test_oa04_long_state_and_nonce_are_allowed() -> None:
    state = "s" * 1500
    nonce = "n" * 64
    assert params.single({"state": [state]}, "state") == state
    assert params.single({"nonce": [nonce]}, "nonce") == nonce
    assert params.single({"state": ["x" * 2048]}, "state") == "x" * 2048


@pytest.mark.parametrize(
    ("name", "cap"),
    [("state", 2048), ("scope", 2048), ("redirect_uri", 2048), ("nonce", 512)],
)
def test_iv02_length_caps(name: str, cap: int) -> None:
    assert params.single({name: ["a" * cap]}, name) == "a" * cap
    with pytest.raises(InvalidRequest, match="too long"):
        params.single({name: ["a" * (cap + 1)]}, name)


def test_every_recognised_parameter_has_a_cap() -> None:
    for name, spec in params.PARAM_SPECS.items():
        assert 0 < spec.max_length <= 16384, name


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("state", "line\nbreak"),
        ("state", "caf\u00e9"),
        ("client_id", "tab\there"),
        ("redirect_uri", "https://a.example/c b"),
        ("code_verifier", "has space" + "a" * 40),
        ("max_age", "-1"),
        ("scope", 'quote"d'),
        ("login_hint", "nul\x00byte"),
    ],
)
def test_iv02_characters_outside_the_alphabet_are_refused(name: str, value: str) -> None:
    with pytest.raises(InvalidRequest, match="characters"):
        params.single({name: [value]}, name)


def test_login_hint_accepts_unicode() -> None:
    assert params.single({"login_hint": ["jörg@exämple.de"]}, "login_hint") == "jörg@exämple.de"


def test_many_keeps_order_and_drops_duplicates_and_empties() -> None:
    raw = {"resource": ["https://a.example", "", "https://b.example", "https://a.example"]}
    assert params.many(raw, "resource") == ("https://a.example", "https://b.example")


def test_many_is_bounded() -> None:
    with pytest.raises(InvalidRequest, match="too many"):
        params.many({"resource": [f"https://r{i}.example" for i in range(11)]}, "resource")


def test_a_plain_string_instead_of_a_list_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="lists of values"):
        params.single({"state": "abc"}, "state")  # type-checks: str is a Sequence[str]
