"""The sealed pending authorization request carried by the sign-in form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tier0.login.interactions import InteractionError, open_interaction, seal_interaction
from tier0.protocol.checks.prompt import Prompt
from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.endpoints.authorize import ValidatedAuthorization

KEY = b"i" * 32
NOW = datetime(2026, 1, 1, tzinfo=UTC)
AUTH = ValidatedAuthorization(
    client_id="abc",
    redirect_uri="https://app.example.com/cb",
    response_mode=ResponseMode.FORM_POST,
    state="s" * 1500,
    nonce="n" * 64,
    scope=("openid", "profile"),
    audience="https://api.example.com",
    code_challenge="c" * 43,
    code_challenge_method="S256",
    prompt=frozenset({Prompt.LOGIN}),
    max_age=300,
    login_hint="ada@example.com",
)


def _sealed(binding: str = "b1", tenant_id: str = "ten_1") -> str:
    return seal_interaction(
        KEY,
        tenant_id=tenant_id,
        binding=binding,
        authorization=AUTH,
        expires_at=NOW + timedelta(minutes=10),
    )


def test_round_trip_keeps_every_field() -> None:
    opened = open_interaction(KEY, tenant_id="ten_1", binding="b1", record=_sealed(), now=NOW)
    assert opened == AUTH


@pytest.mark.parametrize(
    ("tenant_id", "binding", "now"),
    [
        ("ten_2", "b1", NOW),  # another tenant
        ("ten_1", "b2", NOW),  # another browser
        ("ten_1", "b1", NOW + timedelta(minutes=10)),  # expired
        ("ten_1", None, NOW),  # no binding cookie
    ],
)
def test_foreign_or_expired_records_do_not_open(
    tenant_id: str, binding: str | None, now: datetime
) -> None:
    with pytest.raises(InteractionError):
        open_interaction(KEY, tenant_id=tenant_id, binding=binding, record=_sealed(), now=now)


@pytest.mark.parametrize("record", ["", "not base64 !!", "AAAA", "x" * 20_000])
def test_garbage_records_do_not_open(record: str) -> None:
    with pytest.raises(InteractionError):
        open_interaction(KEY, tenant_id="ten_1", binding="b1", record=record, now=NOW)


def test_record_does_not_show_the_request_in_clear() -> None:
    assert "app.example.com" not in _sealed()
