from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from tier0.clock import FrozenClock
from tier0.domain import Tenant
from tier0.mail import MailRenderer, OutboxSender, SmtpConfig, SmtpSender
from tier0.mail.account import AccountMailer

TENANT = Tenant(id="t1", name="acme", display_name="Acme Corp", created_at=datetime.now(UTC))
LINK = "https://id.example/unblock?ticket=SECRET-TICKET-123"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 4, 5, 6, tzinfo=UTC))


async def test_account_mails_go_out_with_the_tenant_name(
    tmp_path: Path, clock: FrozenClock
) -> None:
    outbox = tmp_path / "outbox"
    mailer = AccountMailer(
        MailRenderer(sender="no-reply@example.org", clock=clock),
        OutboxSender(outbox, clock, console=lambda line: None),
        clock,
    )
    assert await mailer.password_changed(TENANT, "a@example.com")
    assert await mailer.account_blocked(TENANT, "a@example.com", LINK, 60)
    assert await mailer.verify_email(TENANT, "a@example.com", LINK, 1440)
    assert await mailer.password_reset(TENANT, "a@example.com", LINK, 60)
    subjects = []
    for path in sorted(outbox.iterdir()):
        parsed = BytesParser(policy=default).parsebytes(path.read_bytes())
        subjects.append(parsed["Subject"])
    assert len(subjects) == 4 and all("Acme Corp" in s for s in subjects)
    changed = next(p for p in outbox.iterdir() if b"was changed" in p.read_bytes())
    assert b"2026-03-04 05:06 UTC" in changed.read_bytes()


async def test_delivery_failure_is_logged_without_the_link(clock: FrozenClock) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, require_tls=False, timeout=2))
    mailer = AccountMailer(MailRenderer(sender="n@example.org", clock=clock), sender, clock)
    with capture_logs() as logs:
        assert not await mailer.account_blocked(TENANT, "a@example.com", LINK, 60)
    assert [entry["event"] for entry in logs] == ["mail.delivery_failed"]
    assert "SECRET-TICKET" not in repr(logs)
