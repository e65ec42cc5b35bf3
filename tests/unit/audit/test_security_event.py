"""Building events: secrets refused, text escaped, personal data pseudonymised (LG-02)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from tier0.audit import (
    Actor,
    ActorKind,
    EventContext,
    EventType,
    Outcome,
    SecurityEvent,
    Subject,
    UnsafeEventDetail,
)
from tier0.audit.sanitize import MAX_DETAIL_STRING, MAX_STRING, TRUNCATION_MARK
from tier0.clock import FrozenClock

MakeEvent = Callable[..., SecurityEvent]

SECRET_KEYS = [
    "password", "new_password", "client_secret", "access_token", "refresh_token", "id_token",
    "code", "authorization_code", "code_verifier", "otp", "totp_seed", "seed", "cookie",
    "session_cookie", "authorization", "authorization_header", "assertion",
    "client_assertion", "reset_link", "private_key", "session_id", "recovery_code", "pin",
]  # fmt: skip
PII_KEYS = ["email", "user_email", "username", "phone", "phone_number", "mail"]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_lg02_secret_looking_detail_keys_are_refused(make_event: MakeEvent, key: str) -> None:
    with pytest.raises(UnsafeEventDetail, match=key):
        make_event(details={key: "canary-value"})


@pytest.mark.parametrize("key", PII_KEYS)
def test_lg02_email_and_username_keys_are_refused(make_event: MakeEvent, key: str) -> None:
    with pytest.raises(UnsafeEventDetail, match="personal data"):
        make_event(details={key: "x"})


@pytest.mark.parametrize(
    "key", ["token_hash", "code_hash", "refresh_token_prefix", "email_hash", "secret_hint"]
)
def test_lg02_hashed_or_prefixed_values_are_allowed(make_event: MakeEvent, key: str) -> None:
    event = make_event(details={key: "abc123"})
    assert event.details[key] == "abc123"


def test_secret_key_refused_inside_nested_details(make_event: MakeEvent) -> None:
    with pytest.raises(UnsafeEventDetail, match="client_secret"):
        make_event(details={"changes": {"client_secret": "s3cr3t"}})


def test_refusal_message_never_holds_the_value(make_event: MakeEvent) -> None:
    with pytest.raises(UnsafeEventDetail) as excinfo:
        make_event(details={"password": "canary-7f3a"})
    assert "canary-7f3a" not in str(excinfo.value)


def test_harmless_keys_with_listed_words_are_allowed(make_event: MakeEvent) -> None:
    event = make_event(details={"token_type": "refresh_token", "error_code": "invalid_grant"})
    assert event.details == {"error_code": "invalid_grant", "token_type": "refresh_token"}


@pytest.mark.parametrize("key", ["Reason", "has space", "x" * 65, "a\nb", ""])
def test_detail_keys_must_be_snake_case(make_event: MakeEvent, key: str) -> None:
    with pytest.raises(UnsafeEventDetail):
        make_event(details={key: 1})


@pytest.mark.parametrize("value", [object(), float("nan"), float("inf"), b"bytes", {1, 2}])
def test_non_json_detail_values_are_refused(make_event: MakeEvent, value: object) -> None:
    with pytest.raises(UnsafeEventDetail):
        make_event(details={"value": value})


def test_details_too_deep_are_refused(make_event: MakeEvent) -> None:
    with pytest.raises(UnsafeEventDetail, match="deeper"):
        make_event(details={"a": {"b": {"c": {"d": {"e": 1}}}}})


def test_lg02_emails_found_in_values_are_redacted(make_event: MakeEvent) -> None:
    event = make_event(details={"reason": "no user alice@example.com here"})
    assert event.details["reason"] == "no user [redacted:email] here"


def test_lg02_emails_in_any_field_are_redacted(ctx: EventContext) -> None:
    event = ctx.event(
        EventType.USER_LOGIN_USER_UNKNOWN,
        actor=Actor.anonymous(),
        subject=Subject.of("login_attempt", "bob@example.org"),
    )
    assert event.subject == Subject("login_attempt", "[redacted:email]")


def test_lg02_bearer_tokens_and_jwts_in_values_are_redacted(make_event: MakeEvent) -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    event = make_event(details={"note": f"Bearer abc.def {jwt}", "raw": jwt})
    assert "abc.def" not in str(event.details["note"])
    assert "eyJ" not in str(event.details["raw"])


def test_lg02_username_with_newline_stays_one_line(ctx: EventContext) -> None:
    event = ctx.event(
        EventType.USER_LOGIN_FAILED,
        actor=Actor.anonymous(),
        subject=Subject.of("login_attempt", "a\nFAKE user.login.succeeded"),
        details={"reason": "a\r\nFAKE"},
    )
    assert event.subject is not None
    assert event.subject.id == "a\\nFAKE user.login.succeeded"
    assert event.details["reason"] == "a\\r\\nFAKE"


def test_lg02_every_string_field_is_escaped(clock: FrozenClock) -> None:
    event = SecurityEvent.create(
        EventType.USER_LOGIN_SUCCEEDED,
        clock=clock,
        tenant_id="acme\n",
        actor=Actor.user("usr\r1"),
        client_id="cli\x1b[31m",
        ip="1.2.3.4\u2028",
        user_agent="ua\x00\x7f\x85",
        request_id="req\tx",
    )
    assert event.tenant_id == "acme\\n"
    assert event.actor.id == "usr\\r1"
    assert event.client_id == "cli\\u001b[31m"
    assert event.ip == "1.2.3.4\\u2028"
    assert event.user_agent == "ua\\u0000\\u007f\\u0085"
    assert event.request_id == "req\\tx"


def test_backslashes_are_escaped_so_escapes_cannot_be_forged(make_event: MakeEvent) -> None:
    assert make_event(details={"reason": "a\\nb"}).details["reason"] == "a\\\\nb"


def test_over_long_values_are_truncated(ctx: EventContext, clock: FrozenClock) -> None:
    event = SecurityEvent.create(
        EventType.USER_LOGIN_SUCCEEDED,
        clock=clock,
        tenant_id="acme",
        actor=Actor.system(),
        user_agent="U" * 10_000,
        details={"reason": "r" * 10_000, "scopes": ["s"] * 500},
    )
    assert event.user_agent is not None
    assert len(event.user_agent) == MAX_STRING
    assert event.user_agent.endswith(TRUNCATION_MARK)
    assert len(str(event.details["reason"])) == MAX_DETAIL_STRING
    assert len(event.details["scopes"]) == 50  # type: ignore[arg-type]  # a tuple here


def test_direct_construction_refuses_raw_control_characters(make_event: MakeEvent) -> None:
    event = make_event()
    with pytest.raises(ValueError, match="control character"):
        dataclasses.replace(event, user_agent="x\ny")
    with pytest.raises(ValueError, match="control character"):
        dataclasses.replace(event, details={"reason": "x\ny"})
    with pytest.raises(UnsafeEventDetail):
        dataclasses.replace(event, details={"password": "x"})


def test_outcome_follows_the_type(ctx: EventContext) -> None:
    ok = ctx.event(EventType.USER_LOGIN_SUCCEEDED, actor=Actor.user("usr_1"))
    bad = ctx.event(EventType.REFRESH_TOKEN_REUSED, actor=Actor.client("cli_1"))
    assert ok.outcome is Outcome.SUCCESS
    assert bad.outcome is Outcome.FAILURE
    with pytest.raises(ValueError, match="outcome"):
        dataclasses.replace(bad, outcome=Outcome.SUCCESS)


def test_lg01_event_carries_time_tenant_actor_client_ip_ua(
    ctx: EventContext, clock: FrozenClock
) -> None:
    event = ctx.event(
        EventType.TOKEN_ISSUED,
        actor=Actor.client("cli_9"),
        client_id="cli_9",
        details={"grant_type": "client_credentials"},
    )
    assert event.time == clock.now()
    assert event.time.tzinfo is not None
    assert (event.tenant_id, event.client_id) == ("acme", "cli_9")
    assert (event.ip, event.user_agent, event.request_id) == (
        "203.0.113.7",
        "Mozilla/5.0 (tests)",
        "req_1",
    )
    assert event.actor.kind is ActorKind.CLIENT


def test_event_ids_are_random_128_bit(make_event: MakeEvent) -> None:
    ids = {make_event().id for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == len("evt_") + 26 for i in ids)


def test_time_must_be_utc(make_event: MakeEvent) -> None:
    event = make_event()
    with pytest.raises(ValueError, match="UTC"):
        dataclasses.replace(event, time=datetime(2026, 1, 1))  # noqa: DTZ001
    plus_two = timezone(timedelta(hours=2))
    with pytest.raises(ValueError, match="UTC"):
        dataclasses.replace(event, time=datetime(2026, 1, 1, tzinfo=plus_two))


def test_details_are_immutable(make_event: MakeEvent) -> None:
    scopes = ["openid"]
    event = make_event(details={"scopes": scopes, "nested": {"a": 1}})
    scopes.append("admin")
    assert event.details["scopes"] == ("openid",)
    with pytest.raises(TypeError):
        event.details["x"] = 1  # type: ignore[index]  # proving it is read-only


def test_actors_need_ids_except_system() -> None:
    with pytest.raises(ValueError, match="needs an id"):
        Actor(ActorKind.USER)
    assert Actor.system().id is None
    assert Actor.admin("adm_1").kind is ActorKind.ADMIN


def test_subject_kind_is_a_short_word() -> None:
    with pytest.raises(ValueError, match="snake_case"):
        Subject("User Id", "usr_1")
    with pytest.raises(ValueError, match="needs an id"):
        Subject("user", "")


def test_context_client_id_can_be_overridden(ctx: EventContext) -> None:
    scoped = dataclasses.replace(ctx, client_id="cli_ctx")
    assert scoped.event(EventType.TOKEN_ISSUED, actor=Actor.system()).client_id == "cli_ctx"
    event = scoped.event(EventType.TOKEN_ISSUED, actor=Actor.system(), client_id="cli_x")
    assert event.client_id == "cli_x"
