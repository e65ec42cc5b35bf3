"""WrappedKey text form and the canonical context encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tier0.crypto import KmsError, WrappedKey
from tier0.crypto.kms.base import encode_context

_key_ids = st.text(min_size=1, max_size=80).filter(lambda s: not any(c in s for c in "\r\n\x00"))


@given(_key_ids, st.binary(min_size=1, max_size=600))
def test_text_round_trip(key_id: str, ciphertext: bytes) -> None:
    wrapped = WrappedKey(key_id=key_id, ciphertext=ciphertext)
    text = wrapped.to_text()
    assert text.startswith("wk1:")
    assert "\n" not in text
    assert WrappedKey.from_text(text) == wrapped


def test_arn_key_id_with_colons_round_trips() -> None:
    arn = "arn:aws:kms:eu-west-1:123456789012:key/0d5d-4e1f"
    wrapped = WrappedKey(key_id=arn, ciphertext=b"\x00\x01\xff")
    assert WrappedKey.from_text(wrapped.to_text()).key_id == arn


@pytest.mark.parametrize(
    "text",
    [
        "",
        "wk1:",
        "wk1:abc",
        "wk2:k:AAAA",
        "wk1::AAAA",
        "wk1:k:",
        "wk1:k:A",
        "wk1:k:AB+/",
        "wk1:k:AB",
    ],
)
def test_malformed_text_refused(text: str) -> None:
    with pytest.raises(KmsError):
        WrappedKey.from_text(text)


def test_repr_hides_ciphertext() -> None:
    wrapped = WrappedKey(key_id="local:v1", ciphertext=b"\x99" * 40)
    assert "99" not in repr(wrapped)
    assert "local:v1" in repr(wrapped)


def test_context_order_does_not_matter() -> None:
    assert encode_context({"a": "1", "b": "2"}) == encode_context({"b": "2", "a": "1"})


_ctx = st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4)


@given(_ctx, _ctx)
def test_context_encoding_is_unambiguous(a: dict[str, str], b: dict[str, str]) -> None:
    assert (encode_context(a) == encode_context(b)) == (a == b)


def test_context_values_must_be_strings() -> None:
    with pytest.raises(KmsError):
        encode_context({"tenant": 1})  # type: ignore[dict-item]  # deliberately wrong type
