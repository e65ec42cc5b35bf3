"""Authorization code bindings at redemption (OA-05)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tier0.clock import FrozenClock
from tier0.protocol.checks.code_binding import (
    CodeBinding,
    check_code_redemption,
    code_expiry,
)
from tier0.protocol.checks.pkce import s256_challenge
from tier0.protocol.errors import InvalidGrant

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
REDIRECT = "https://app.example/cb"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def binding(clock: FrozenClock, **changes: object) -> CodeBinding:
    values: dict[str, object] = {
        "client_id": "app1",
        "redirect_uri": REDIRECT,
        "redirect_uri_sent": True,
        "code_challenge": s256_challenge(VERIFIER),
        "expires_at": code_expiry(clock.now()),
        "dpop_jkt": None,
    }
    values.update(changes)
    return CodeBinding(**values)  # type: ignore[arg-type]  # test builder over a dict


def redeem(b: CodeBinding, clock: FrozenClock, **changes: str | None) -> None:
    values: dict[str, str | None] = {
        "client_id": "app1",
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "dpop_jkt": None,
    }
    values.update(changes)
    check_code_redemption(
        b,
        client_id=values["client_id"] or "",
        redirect_uri=values["redirect_uri"],
        code_verifier=values["code_verifier"],
        dpop_jkt=values["dpop_jkt"],
        now=clock.now(),
    )


def test_oa05_matching_redemption_passes(clock: FrozenClock) -> None:
    b = binding(clock)
    clock.advance(60)
    redeem(b, clock)


def test_oa05_code_expires_after_60_seconds(clock: FrozenClock) -> None:
    b = binding(clock)
    clock.advance(61)
    with pytest.raises(InvalidGrant) as caught:
        redeem(b, clock)
    assert caught.value.debug == "authorization code expired"


def test_oa05_other_client_is_invalid_grant(clock: FrozenClock) -> None:
    with pytest.raises(InvalidGrant):
        redeem(binding(clock), clock, client_id="app2")


def test_oa05_other_redirect_uri_is_invalid_grant(clock: FrozenClock) -> None:
    with pytest.raises(InvalidGrant):
        redeem(binding(clock), clock, redirect_uri="https://app.example/cb2")


def test_oa05_redirect_uri_required_when_it_was_sent(clock: FrozenClock) -> None:
    with pytest.raises(InvalidGrant):
        redeem(binding(clock), clock, redirect_uri=None)
    redeem(binding(clock, redirect_uri_sent=False), clock, redirect_uri=None)


def test_oa05_pkce_is_checked(clock: FrozenClock) -> None:
    with pytest.raises(InvalidGrant):
        redeem(binding(clock), clock, code_verifier="x" * 43)
    with pytest.raises(InvalidGrant):
        redeem(binding(clock), clock, code_verifier=None)


def test_oa05_dpop_jkt_binding(clock: FrozenClock) -> None:
    bound = binding(clock, dpop_jkt="thumbprint-1")
    redeem(bound, clock, dpop_jkt="thumbprint-1")
    with pytest.raises(InvalidGrant):
        redeem(bound, clock, dpop_jkt="thumbprint-2")
    with pytest.raises(InvalidGrant):
        redeem(bound, clock, dpop_jkt=None)


def test_binding_failures_share_one_public_description(clock: FrozenClock) -> None:
    descriptions = set()
    for changes in ({"client_id": "other"}, {"redirect_uri": "https://x.example/"}):
        with pytest.raises(InvalidGrant) as caught:
            redeem(binding(clock), clock, **changes)
        descriptions.add(caught.value.description)
    assert len(descriptions) == 1


def test_code_lifetime_is_capped_at_ten_minutes(clock: FrozenClock) -> None:
    assert code_expiry(clock.now(), timedelta(minutes=10)) == clock.now() + timedelta(minutes=10)
    with pytest.raises(ValueError, match="10 min"):
        code_expiry(clock.now(), timedelta(minutes=10, seconds=1))
    with pytest.raises(ValueError, match="10 min"):
        code_expiry(clock.now(), timedelta(0))
