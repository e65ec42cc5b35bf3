from __future__ import annotations

import ssl
import stat
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest

from tier0.clock import FrozenClock
from tier0.mail import EmailSender, MailDeliveryError, OutboxSender, SmtpConfig, SmtpSender

from .conftest import SmtpServer


async def test_outbox_writes_private_eml_and_a_console_line_without_links(
    tmp_path: Path, reset_mail: EmailMessage
) -> None:
    lines: list[str] = []
    sender: EmailSender = OutboxSender(tmp_path / "outbox", FrozenClock(), console=lines.append)
    await sender.send(reset_mail)
    files = list((tmp_path / "outbox").iterdir())
    assert len(files) == 1 and files[0].suffix == ".eml"
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700
    parsed = BytesParser(policy=default).parsebytes(files[0].read_bytes())
    assert parsed["Subject"] == reset_mail["Subject"]
    body = parsed.get_body(("plain",))
    assert body is not None and "CANARY" in body.get_content()
    assert len(lines) == 1 and "alice@example.com" in lines[0]
    assert "CANARY" not in lines[0] and "https://" not in lines[0]


async def test_smtp_delivers_over_plaintext_only_when_tls_not_required(
    plain_smtp: SmtpServer, reset_mail: EmailMessage
) -> None:
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=plain_smtp.port, require_tls=False))
    await sender.send(reset_mail)
    [received] = plain_smtp.collector.messages
    assert received["To"] == "alice@example.com"
    assert received["Subject"] == reset_mail["Subject"]


async def test_smtp_require_tls_refuses_a_server_without_starttls(
    plain_smtp: SmtpServer, reset_mail: EmailMessage
) -> None:
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=plain_smtp.port, require_tls=True))
    with pytest.raises(MailDeliveryError) as info:
        await sender.send(reset_mail)
    assert "CANARY" not in str(info.value)
    assert plain_smtp.collector.messages == []


async def test_smtp_starttls_and_auth(
    starttls_smtp: SmtpServer, client_tls: ssl.SSLContext, reset_mail: EmailMessage
) -> None:
    config = SmtpConfig(
        host="127.0.0.1",
        port=starttls_smtp.port,
        username="mailer",
        password="s3cret-smtp-pw",
        tls_context=client_tls,
    )
    assert "s3cret-smtp-pw" not in repr(config)
    await SmtpSender(config).send(reset_mail)
    [received] = starttls_smtp.collector.messages
    assert received["Subject"] == reset_mail["Subject"]


async def test_smtp_wrong_password_is_a_delivery_error_without_the_password(
    starttls_smtp: SmtpServer, client_tls: ssl.SSLContext, reset_mail: EmailMessage
) -> None:
    config = SmtpConfig(
        host="127.0.0.1",
        port=starttls_smtp.port,
        username="mailer",
        password="wrong-pw-xyz",
        tls_context=client_tls,
    )
    with pytest.raises(MailDeliveryError) as info:
        await SmtpSender(config).send(reset_mail)
    assert "wrong-pw-xyz" not in str(info.value)


def test_credentials_require_tls() -> None:
    with pytest.raises(ValueError, match="TLS"):
        SmtpConfig(host="h", username="u", password="p", require_tls=False)
    with pytest.raises(ValueError):
        SmtpConfig(host="h", username="u")
