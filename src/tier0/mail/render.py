"""Render the transactional mails from Jinja2 templates (text + HTML alternative).

Templates live in ``tier0/mail/templates/<kind>.{subject.txt,txt,html}``. HTML is
autoescaped; undefined variables are errors, so a missing link can never render as an empty
button. Each kind declares the variables it needs, checked before rendering.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum

import jinja2

from tier0.clock import Clock


class MailKind(StrEnum):
    """The mails tier0 sends; the value is the template's base name."""

    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a template name
    ACCOUNT_BLOCKED = "account_blocked"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a template name
    MFA_CODE = "mfa_code"
    SIGNUP_ATTEMPT = "signup_attempt"


REQUIRED: dict[MailKind, frozenset[str]] = {
    MailKind.VERIFY_EMAIL: frozenset({"tenant_name", "link", "expires_minutes"}),
    MailKind.PASSWORD_RESET: frozenset({"tenant_name", "link", "expires_minutes"}),
    MailKind.ACCOUNT_BLOCKED: frozenset({"tenant_name", "link", "expires_minutes"}),
    MailKind.PASSWORD_CHANGED: frozenset({"tenant_name", "changed_at"}),
    MailKind.MFA_CODE: frozenset({"tenant_name", "code", "expires_minutes"}),
    MailKind.SIGNUP_ATTEMPT: frozenset({"tenant_name", "link"}),
}


class MailRenderer:
    """Builds a ready-to-send :class:`EmailMessage` for one kind of mail."""

    def __init__(self, *, sender: str, clock: Clock, message_id_domain: str = "tier0.local"):
        self._sender = sender
        self._clock = clock
        self._domain = message_id_domain
        self._env = jinja2.Environment(
            loader=jinja2.PackageLoader("tier0.mail", "templates"),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )

    def render(self, kind: MailKind, *, to: str, context: Mapping[str, object]) -> EmailMessage:
        missing = REQUIRED[kind] - context.keys()
        if missing:
            raise ValueError(f"{kind} mail needs {', '.join(sorted(missing))}")
        variables = {"to": to, **context}
        subject = self._env.get_template(f"{kind}.subject.txt").render(variables)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = " ".join(subject.split())  # one line, no header injection
        message["Date"] = format_datetime(self._clock.now())
        message["Message-ID"] = f"<{secrets.token_hex(16)}@{self._domain}>"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        message.set_content(self._env.get_template(f"{kind}.txt").render(variables))
        html = self._env.get_template(f"{kind}.html").render(variables)
        message.add_alternative(html, subtype="html")
        return message
