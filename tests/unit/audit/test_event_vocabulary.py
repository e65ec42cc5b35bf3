"""The event vocabulary is closed, complete and documented (LG-01)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tier0.audit import EVENT_TABLE, Category, EventType
from tier0.audit.docs import main, render
from tier0.audit.events import AUTH0_CODES

DOCS = Path(__file__).resolve().parents[3] / "docs" / "events.md"

# Everything issue 6 asks the vocabulary to cover, by the name emitters will use.
REQUIRED = [
    "user.login.succeeded", "user.login.failed", "user.signup.succeeded",
    "user.email.verified", "user.password_reset.requested", "user.password.changed",
    "mfa.challenge.failed", "authorization_code.issued", "authorization_code.redeemed",
    "authorization_code.replayed", "token.issued", "token.refreshed", "token.revoked",
    "refresh_token.reused", "client.auth.failed", "consent.granted", "consent.revoked",
    "session.ended", "rate_limit.exceeded", "brute_force.blocked", "brute_force.unblocked",
    "suspicious_ip.throttled", "security.credential_stuffing_suspected", "key.rotated",
    "secret.read", "backend.tls.failed", "management.tenants.created",
    "management.applications.updated", "management.resource_servers.deleted",
    "management.client_grants.created", "management.users.deleted", "management.roles.updated",
    "export.requested", "erasure.completed", "alert.refresh_token_reuse",
]  # fmt: skip


def test_lg01_every_type_has_exactly_one_metadata_row() -> None:
    assert set(EVENT_TABLE) == set(EventType)
    assert len(EVENT_TABLE) == len(EventType)


@pytest.mark.parametrize("name", REQUIRED)
def test_lg01_issue_vocabulary_is_covered(name: str) -> None:
    assert EventType(name).description


def test_lg01_vocabulary_is_closed() -> None:
    with pytest.raises(ValueError, match="not a valid EventType"):
        EventType("user.login.made_up")


def test_names_are_dotted_lowercase_and_unique() -> None:
    names = [str(t) for t in EventType]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", name), name


def test_auth0_codes_are_never_invented() -> None:
    used = {t.auth0_code for t in EventType if t.auth0_code is not None}
    assert used <= AUTH0_CODES
    assert EventType.REFRESH_TOKEN_REUSED.auth0_code == "ferrt"
    assert EventType.USER_LOGIN_PASSWORD_INCORRECT.auth0_code == "fp"
    assert EventType.CONSENT_GRANTED.auth0_code is None


def test_failure_flag_agrees_with_category() -> None:
    for event_type in EventType:
        if event_type.category.endswith(".fail"):
            assert event_type.is_failure, event_type
        if event_type.category.endswith(".success"):
            assert not event_type.is_failure, event_type


def test_no_type_is_reserved_once_mfa_landed() -> None:
    for event_type in EventType:
        assert not event_type.info.reserved, event_type


def test_every_category_is_auth0s_filter_name() -> None:
    assert Category("auth.login.fail") is Category.LOGIN_FAIL
    assert EventType.USER_LOGIN_FAILED.category is Category.LOGIN_FAIL


def test_lg01_events_doc_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), "run: python -m tier0.audit.docs"


def test_events_doc_lists_every_type() -> None:
    page = render()
    for event_type in EventType:
        assert f"| `{event_type}` |" in page


def test_docs_check_mode_flags_a_stale_page(tmp_path: Path) -> None:
    page = tmp_path / "events.md"
    assert main([str(page), "--check"]) == 1
    assert main([str(page)]) == 0
    assert main([str(page), "--check"]) == 0
    page.write_text(page.read_text() + "edited\n")
    assert main([str(page), "--check"]) == 1
