"""The port every mail transport implements."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class MailDeliveryError(Exception):
    """A message could not be handed over. The text never includes the body or credentials."""


class EmailSender(Protocol):
    """Delivers one fully rendered message (headers, text and HTML parts)."""

    async def send(self, message: EmailMessage) -> None: ...
