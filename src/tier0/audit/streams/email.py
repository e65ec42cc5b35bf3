"""The email notification channel for detection alerts: a log stream of kind ``email``.

The relay hands it every event of its tenant in order (with the same cursor, retries and
dead-letter state as any stream); it mails each ``alert.*`` event to the stream's
recipients and passes over everything else. The message holds the alert's type, what it
means, when, and the ids an operator needs to look into it: never a secret (events hold
none, LG-02) and no user-typed text in a header (the subject is built from the closed
vocabulary and the tenant id only).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any, Final

from tier0.audit.events import EventType
from tier0.audit.streams.senders import DeliveryError
from tier0.clock import Clock
from tier0.mail.sender import EmailSender, MailDeliveryError

# One plain address: no display name, no CR/LF, no comma (so no header or list injection).
ADDRESS_RE: Final = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
MAX_RECIPIENTS: Final = 10


def parse_recipients(text: str) -> list[str]:
    """``a@x.example,b@y.example`` -> the addresses; ValueError for anything else."""
    addresses = [part.strip() for part in text.split(",") if part.strip()]
    if not addresses or len(addresses) > MAX_RECIPIENTS:
        raise ValueError(f"an email stream needs 1 to {MAX_RECIPIENTS} recipients")
    for address in addresses:
        if not ADDRESS_RE.fullmatch(address):
            raise ValueError("recipients must be plain email addresses, comma-separated")
    return addresses


def _text(record: Mapping[str, Any], event_type: EventType) -> str:
    subject = record.get("subject") or {}
    details = record.get("details") or {}
    lines = [
        f"tier0 raised a security alert in tenant {record.get('tenant_id')}.",
        "",
        f"Alert:    {event_type}",
        f"Meaning:  {event_type.description}",
        f"Time:     {record.get('time')}",
        f"Event:    {record.get('id')} (seq {record.get('seq')})",
        f"Subject:  {subject.get('kind', '-')} {subject.get('id', '')}".rstrip(),
        f"IP:       {record.get('ip') or '-'}",
        f"Trigger:  {details.get('trigger_id', '-')} (seq {details.get('trigger_seq', '-')})",
        "",
        "Look into it with:",
        f"  tier0 log search --tenant <name> --type {event_type}",
        "See docs/incident-response.md for the runbook.",
    ]
    return "\n".join(lines) + "\n"


class AlertMailSender:
    """Mails each ``alert.*`` record of a batch; a failed hand-over fails the batch."""

    def __init__(
        self, mail: EmailSender, *, sender: str, recipients: Sequence[str], clock: Clock
    ) -> None:
        self._mail = mail
        self._from = sender
        self._to = tuple(recipients)
        self._clock = clock

    def message(self, record: Mapping[str, Any]) -> EmailMessage | None:
        """The message for ``record``, or None when it is not an alert."""
        try:
            event_type = EventType(str(record.get("type")))
        except ValueError:
            return None
        if not event_type.startswith("alert."):
            return None
        message = EmailMessage(policy=SMTP)  # RFC 5322 folding of long headers
        message["From"] = self._from
        message["To"] = ", ".join(self._to)
        message["Subject"] = f"[tier0] {event_type} {record.get('tenant_id')}"  # fits one line
        message["Date"] = format_datetime(self._clock.now())
        message["Message-ID"] = f"<{secrets.token_hex(16)}@tier0.local>"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        message.set_content(_text(record, event_type))
        return message

    async def send(self, records: Sequence[Mapping[str, Any]]) -> None:
        for record in records:
            message = self.message(record)
            if message is None:
                continue
            try:
                await self._mail.send(message)
            except (MailDeliveryError, OSError) as exc:
                raise DeliveryError(f"alert mail not sent: {type(exc).__name__}") from exc
