"""prompt and max_age (OIDC Core §3.1.2.1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tier0.clock import FrozenClock
from tier0.protocol.checks.prompt import (
    Prompt,
    check_prompt_none,
    needs_login,
    parse_max_age,
    parse_prompt,
)
from tier0.protocol.errors import ConsentRequired, InvalidRequest, LoginRequired


def test_parse_prompt_values() -> None:
    assert parse_prompt(None) == frozenset()
    assert parse_prompt("login consent") == {Prompt.LOGIN, Prompt.CONSENT}
    assert parse_prompt("select_account") == {Prompt.SELECT_ACCOUNT}
    assert parse_prompt("none") == {Prompt.NONE}


@pytest.mark.parametrize("value", ["none login", "consent none", "always", "LOGIN"])
def test_none_with_others_and_unknown_values_are_invalid_request(value: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_prompt(value)


def test_parse_max_age() -> None:
    assert parse_max_age(None) is None
    assert parse_max_age("0") == 0
    assert parse_max_age("3600") == 3600


@pytest.mark.parametrize("value", ["-1", "1.5", "ten", "12345678901", "\u0661\u0662"])
def test_bad_max_age_is_invalid_request(value: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_max_age(value)


def test_needs_login_without_session() -> None:
    clock = FrozenClock()
    assert needs_login(None, clock.now(), frozenset(), None)


def test_live_session_skips_login() -> None:
    clock = FrozenClock()
    auth_time = clock.now()
    clock.advance(timedelta(hours=5))
    assert not needs_login(auth_time, clock.now(), frozenset(), None)


def test_prompt_login_forces_login_until_done_in_this_request() -> None:
    clock = FrozenClock()
    auth_time = clock.now()
    assert needs_login(auth_time, clock.now(), frozenset({Prompt.LOGIN}), None)
    assert not needs_login(
        auth_time, clock.now(), frozenset({Prompt.LOGIN}), None, authenticated_in_this_request=True
    )


def test_max_age_elapsed_forces_login() -> None:
    clock = FrozenClock()
    auth_time = clock.now()
    clock.advance(60)
    assert not needs_login(auth_time, clock.now(), frozenset(), 60)
    clock.advance(1)
    assert needs_login(auth_time, clock.now(), frozenset(), 60)


def test_max_age_zero_is_prompt_login() -> None:
    clock = FrozenClock()
    assert needs_login(clock.now(), clock.now(), frozenset(), 0)


def test_prompt_none_reports_what_is_missing() -> None:
    none = frozenset({Prompt.NONE})
    with pytest.raises(LoginRequired):
        check_prompt_none(none, login_needed=True)
    with pytest.raises(ConsentRequired):
        check_prompt_none(none, login_needed=False, consent_needed=True)
    check_prompt_none(none, login_needed=False)


def test_without_prompt_none_interaction_is_allowed() -> None:
    check_prompt_none(frozenset(), login_needed=True, consent_needed=True)
