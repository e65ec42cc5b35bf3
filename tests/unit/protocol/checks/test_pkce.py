"""PKCE, S256 only (OA-03, RFC 7636)."""

from __future__ import annotations

import pytest

from tier0.protocol.checks.pkce import check_code_challenge, s256_challenge, verify_pkce
from tier0.protocol.errors import InvalidGrant, InvalidRequest

# RFC 7636 Appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_oa03_rfc7636_appendix_b_vector() -> None:
    assert s256_challenge(RFC_VERIFIER) == RFC_CHALLENGE
    verify_pkce(RFC_VERIFIER, RFC_CHALLENGE)


def test_oa03_s256_challenge_accepted() -> None:
    check_code_challenge(RFC_CHALLENGE, "S256")


def test_oa03_missing_challenge_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest, match="PKCE is required"):
        check_code_challenge(None, None)


@pytest.mark.parametrize("method", ["plain", None, "s256", "S512", ""])
def test_oa03_plain_or_missing_method_is_invalid_request(method: str | None) -> None:
    # A missing method means "plain" (RFC 7636 §4.3), which tier0 refuses.
    with pytest.raises(InvalidRequest):
        check_code_challenge(RFC_CHALLENGE, method)


@pytest.mark.parametrize(
    "challenge",
    [RFC_CHALLENGE[:-1], RFC_CHALLENGE + "A", RFC_CHALLENGE[:-1] + "=", RFC_VERIFIER + "~"],
)
def test_malformed_s256_challenge_is_invalid_request(challenge: str) -> None:
    with pytest.raises(InvalidRequest):
        check_code_challenge(challenge, "S256")


def test_oa03_wrong_verifier_is_invalid_grant() -> None:
    other = "A" * 43
    with pytest.raises(InvalidGrant):
        verify_pkce(other, RFC_CHALLENGE)


def test_oa03_missing_verifier_is_invalid_grant() -> None:
    with pytest.raises(InvalidGrant):
        verify_pkce(None, RFC_CHALLENGE)


def test_oa03_verifier_without_stored_challenge_is_invalid_grant() -> None:
    # The PKCE downgrade attack (RFC 9700 §4.8.2).
    with pytest.raises(InvalidGrant):
        verify_pkce(RFC_VERIFIER, None)
    with pytest.raises(InvalidGrant):
        verify_pkce(None, None)


@pytest.mark.parametrize("length", [42, 129])
def test_oa03_verifier_length_bounds(length: int) -> None:
    verifier = "a" * length
    with pytest.raises(InvalidGrant):
        verify_pkce(verifier, s256_challenge(verifier))


@pytest.mark.parametrize("length", [43, 128])
def test_oa03_verifier_length_limits_accepted(length: int) -> None:
    verifier = "-._~" + "Z" * (length - 4)
    verify_pkce(verifier, s256_challenge(verifier))


def test_oa03_verifier_outside_unreserved_set_is_invalid_grant() -> None:
    verifier = "a" * 42 + "+"
    with pytest.raises(InvalidGrant):
        verify_pkce(verifier, s256_challenge(verifier))


def test_failures_share_one_public_description() -> None:
    messages = set()
    for verifier, challenge in [("A" * 43, RFC_CHALLENGE), (None, RFC_CHALLENGE), ("a", None)]:
        with pytest.raises(InvalidGrant) as caught:
            verify_pkce(verifier, challenge)
        messages.add(caught.value.description)
    assert messages == {"PKCE verification failed."}
