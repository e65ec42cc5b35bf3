"""JW-01: per-kind allow-lists are asymmetric only."""

from __future__ import annotations

import pytest

from tier0.jose import algorithms as a

ALL_LISTS = [
    a.SIGNING_ALGS,
    a.ID_TOKEN_HINT_ALGS,
    a.ACCESS_TOKEN_ALGS,
    a.CLIENT_ASSERTION_ALGS,
    a.DPOP_PROOF_ALGS,
]


@pytest.mark.parametrize("allowed", ALL_LISTS)
def test_jw01_no_list_contains_none_or_mac(allowed: frozenset[str]) -> None:
    assert "none" not in {alg.lower() for alg in allowed}
    assert not any(alg.upper().startswith("HS") for alg in allowed)
    assert a.require_asymmetric(allowed) == allowed


def test_jw01_rs256_is_the_default_and_signing_set_is_the_brief() -> None:
    assert a.DEFAULT_SIGNING_ALG == "RS256"
    assert frozenset({"RS256", "ES256", "PS256", "EdDSA"}) == a.SIGNING_ALGS


@pytest.mark.parametrize(
    "bad", [{"none"}, {"HS256"}, {"RS256", "HS256"}, {"RS384"}, {"rs256"}, set()]
)
def test_jw01_unsafe_allow_list_is_a_programming_error(bad: set[str]) -> None:
    with pytest.raises(ValueError, match=r"allow-list|asymmetric"):
        a.require_asymmetric(frozenset(bad))


def test_every_allowed_alg_has_a_key_type() -> None:
    assert set(a.KEY_TYPE_FOR_ALG) == a.ASYMMETRIC_ALGS
