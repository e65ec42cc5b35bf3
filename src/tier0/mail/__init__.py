"""Outgoing email: an :class:`EmailSender` port, an SMTP and a dev outbox sender, templates."""

from __future__ import annotations

from tier0.mail.outbox import OutboxSender
from tier0.mail.render import MailKind, MailRenderer
from tier0.mail.sender import EmailSender, MailDeliveryError
from tier0.mail.smtp import SmtpConfig, SmtpSender

__all__ = [
    "EmailSender",
    "MailDeliveryError",
    "MailKind",
    "MailRenderer",
    "OutboxSender",
    "SmtpConfig",
    "SmtpSender",
]
