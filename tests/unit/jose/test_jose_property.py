"""Hypothesis: whatever arrives as a token, verify_jwt only ever raises InvalidJwt."""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tier0.clock import FrozenClock
from tier0.jose import InvalidJwt, peek_header, public_jwk, verify_jwt
from tier0.jose.algorithms import CLIENT_ASSERTION_ALGS
from tier0.jose.keys import generate_private_jwk

CLOCK = FrozenClock(datetime(2026, 3, 1, tzinfo=UTC))
# Module-level constants are fine here: built once, never mutated.
KEYS = [
    public_jwk(generate_private_jwk("ES256", "kid-es256")),
    public_jwk(generate_private_jwk("EdDSA", "kid-eddsa")),
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _must_only_raise_invalid_jwt(token: Any) -> None:
    try:
        verify_jwt(
            token,
            keys=KEYS,
            allowed_algs=CLIENT_ASSERTION_ALGS,
            expected_typ=None,
            issuer="https://issuer.example/",
            audience="api",
            clock=CLOCK,
        )
    except InvalidJwt as exc:
        assert str(exc) == "invalid JWT"
    else:  # pragma: no cover - would mean a forged signature verified
        raise AssertionError("a random token verified")
    with contextlib.suppress(InvalidJwt):
        peek_header(token)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["ES256", "EdDSA", "RS256", "none", "HS256", ""]) | json_values,
        "kid": st.sampled_from(["kid-es256", "kid-eddsa", "../x"]) | json_values,
        "typ": st.sampled_from(["JWT", "at+jwt", "dpop+jwt"]) | json_values,
        "crit": json_values,
        "jku": json_values,
        "jwk": json_values,
        "b64": json_values,
    },
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text(token: str) -> None:
    _must_only_raise_invalid_jwt(token)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_decoded(raw: bytes) -> None:
    _must_only_raise_invalid_jwt(raw.decode("latin-1"))


@given(st.one_of(st.none(), st.integers(), st.binary(max_size=20), st.lists(st.text(), max_size=3)))
def test_non_string_tokens(token: Any) -> None:
    _must_only_raise_invalid_jwt(token)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(headers, json_values, st.binary(max_size=96))
def test_structured_tokens(header: dict[str, Any], payload: Any, signature: bytes) -> None:
    parts = [json.dumps(header), json.dumps(payload)]
    token = ".".join(_b64(part.encode()) for part in parts) + "." + _b64(signature)
    _must_only_raise_invalid_jwt(token)


@given(st.lists(st.text(alphabet="AZaz09-_=.+/ ", max_size=40), min_size=1, max_size=5))
def test_dotted_segments(segments: list[str]) -> None:
    _must_only_raise_invalid_jwt(".".join(segments))
