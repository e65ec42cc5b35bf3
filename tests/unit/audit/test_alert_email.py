"""The email channel for detection alerts: an `email` log stream mails each alert.* event
to its recipients through the configured mail transport (the dev outbox here), and stays
quiet on everything else; the mail holds no secret (LG-02)."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import unique
from tier0.audit import Actor, EventType, SecurityEvent, Subject
from tier0.audit.changes import ChangedBy
from tier0.audit.streams import Relay, RelayPolicy, StreamKind
from tier0.container import Container
from tier0.domain import Tenant
from tier0.errors import InvalidInput

ADMIN = Actor.admin("adm_1")
POLICY = RelayPolicy(batch=100, lease=timedelta(seconds=30), max_failures=3)


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    tenant = await container.tenants.create(unique("alerts"), by=ChangedBy.cli())
    for kind, name, config in (
        (StreamKind.DETECT, "rules", {"failed_login_burst": "3/300"}),
        (StreamKind.EMAIL, "oncall", {"to": "sec@example.com, ops@example.com"}),
    ):
        await container.streams.create(tenant.id, name, kind, config, actor=ADMIN)
    return tenant


async def _failed_logins(c: Container, tenant: Tenant, n: int, user: str) -> None:
    for _ in range(n):
        await c.audit.emit(
            SecurityEvent.create(
                EventType.USER_LOGIN_PASSWORD_INCORRECT, clock=c.clock, tenant_id=tenant.id,
                actor=Actor.anonymous(), subject=Subject("user", user), ip="198.51.100.4",
                details={"attempted_password_hash": "canary-not-a-secret-" + user},
            )
        )  # fmt: skip


async def _relay(c: Container, tenant: Tenant) -> None:
    relay = Relay(c.db, c.streams.sender, c.clock, node_id="n", policy=POLICY, tenants=[tenant.id])
    while await relay.run_once() > 0:
        pass


def _mails(c: Container) -> list[EmailMessage]:
    outbox: Path = c.settings.data_dir / "outbox"
    found = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")
    ]
    return [m for m in found if isinstance(m, EmailMessage)]


async def test_an_alert_is_mailed_to_every_recipient(
    container: Container, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    await _failed_logins(container, tenant, 3, "usr_victim")
    await _relay(container, tenant)
    (mail,) = _mails(container)
    assert mail["To"] == "sec@example.com, ops@example.com"
    assert mail["Subject"] == f"[tier0] alert.failed_login_burst {tenant.id}"
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_content()
    assert "alert.failed_login_burst" in text and "user usr_victim" in text
    assert "canary-not-a-secret" not in text  # only ids, never event details
    capsys.readouterr()  # the dev outbox announces each mail on stderr


async def test_normal_traffic_sends_no_mail(
    container: Container, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    await _failed_logins(container, tenant, 2, "usr_a")  # below the threshold
    await container.audit.emit(
        SecurityEvent.create(
            EventType.USER_LOGIN_SUCCEEDED, clock=container.clock, tenant_id=tenant.id,
            actor=Actor.user("usr_a"), subject=Subject("user", "usr_a"),
        )
    )  # fmt: skip
    await _relay(container, tenant)
    assert _mails(container) == []
    oncall = await container.streams.get(tenant.id, "oncall")
    assert oncall.failures == 0 and oncall.cursor > 0  # it saw the events and let them pass
    capsys.readouterr()


@pytest.mark.parametrize(
    "to", ["", "not-an-address", "a@example.com\r\nBcc: x@evil.example", "Eve <e@evil.example>"]
)
async def test_email_stream_refuses_bad_recipients(
    container: Container, tenant: Tenant, to: str
) -> None:
    with pytest.raises(InvalidInput):
        await container.streams.create(tenant.id, "bad", StreamKind.EMAIL, {"to": to}, actor=ADMIN)
