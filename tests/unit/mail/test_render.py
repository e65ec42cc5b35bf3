from __future__ import annotations

import pytest

from tier0.mail.render import REQUIRED, MailKind, MailRenderer

CONTEXTS: dict[MailKind, dict[str, object]] = {
    MailKind.VERIFY_EMAIL: {
        "tenant_name": "Acme",
        "link": "https://id.example/v?t=abc",
        "expires_minutes": 1440,
    },
    MailKind.PASSWORD_RESET: {
        "tenant_name": "Acme",
        "link": "https://id.example/r?t=abc",
        "expires_minutes": 60,
    },
    MailKind.ACCOUNT_BLOCKED: {
        "tenant_name": "Acme",
        "link": "https://id.example/u?t=abc",
        "expires_minutes": 60,
    },
    MailKind.PASSWORD_CHANGED: {"tenant_name": "Acme", "changed_at": "2026-01-01 00:00 UTC"},
    MailKind.MFA_CODE: {"tenant_name": "Acme", "code": "123456", "expires_minutes": 5},
    MailKind.SIGNUP_ATTEMPT: {"tenant_name": "Acme", "link": "https://id.example/reset"},
}


@pytest.mark.parametrize("kind", list(MailKind))
def test_every_kind_renders_text_and_html(renderer: MailRenderer, kind: MailKind) -> None:
    message = renderer.render(kind, to="alice@example.com", context=CONTEXTS[kind])
    assert message["From"] == "tier0 <no-reply@example.org>"
    assert message["To"] == "alice@example.com"
    assert "Acme" in message["Subject"] and "\n" not in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@tier0.local>")
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    if "link" in CONTEXTS[kind]:
        assert str(CONTEXTS[kind]["link"]) in text.get_content()
        assert f'href="{CONTEXTS[kind]["link"]}"' in html.get_content()


def test_html_is_autoescaped(renderer: MailRenderer) -> None:
    context = dict(CONTEXTS[MailKind.PASSWORD_CHANGED], tenant_name="<script>x</script>")
    message = renderer.render(MailKind.PASSWORD_CHANGED, to="a@example.com", context=context)
    html = message.get_body(("html",))
    assert html is not None
    assert "<script>" not in html.get_content()
    assert "&lt;script&gt;" in html.get_content()


def test_subject_cannot_inject_headers(renderer: MailRenderer) -> None:
    context = dict(CONTEXTS[MailKind.PASSWORD_CHANGED], tenant_name="Acme\r\nBcc: evil@x")
    message = renderer.render(MailKind.PASSWORD_CHANGED, to="a@example.com", context=context)
    assert "\n" not in message["Subject"] and message["Bcc"] is None


def test_missing_variables_are_an_error(renderer: MailRenderer) -> None:
    assert REQUIRED[MailKind.PASSWORD_RESET] >= {"link"}
    with pytest.raises(ValueError, match="link"):
        renderer.render(
            MailKind.PASSWORD_RESET,
            to="a@example.com",
            context={"tenant_name": "A", "expires_minutes": 5},
        )
