"""Issue 7: tier0 reads its own SMTP password from the versioned secret store (CredStash
model), every read audited as ``secret.read`` with the reading component as actor; a new
version is used on the next send, without a restart."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.unit.mail.conftest import SmtpServer
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.mail.sender import MailDeliveryError
from tier0.settings import Settings

NAME = "smtp/password"


async def test_smtp_password_comes_from_the_secret_store_and_each_read_is_audited(
    tmp_path: Path,
    starttls_smtp: SmtpServer,
    tls_files: tuple[Path, Path],
    reset_mail: EmailMessage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))  # trust the test server's cert
    settings = Settings(
        data_dir=tmp_path / "data",
        bcrypt_cost=10,
        hash_workers=1,
        smtp_host="127.0.0.1",
        smtp_port=starttls_smtp.port,
        smtp_username="mailer",
        smtp_password_secret=NAME,
    )
    container = Container.build(settings, clock=FrozenClock())
    await container.migrate()
    try:
        tenant, _ = await container.tenants.ensure(settings.default_tenant, by=ChangedBy.cli())
        with pytest.raises(MailDeliveryError, match="cannot be read") as missing:
            await container.mail.send(reset_mail)  # not stored yet: no delivery, no crash
        assert NAME in str(missing.value)
        admin = Actor.admin("ops")
        await container.secrets.put(tenant, NAME, b"an-old-smtp-password", actor=admin)
        with pytest.raises(MailDeliveryError) as refused:
            await container.mail.send(reset_mail)
        assert "an-old-smtp-password" not in str(refused.value)
        await container.secrets.put(tenant, NAME, b"s3cret-smtp-pw", actor=admin)  # rotated
        await container.mail.send(reset_mail)
        [received] = starttls_smtp.collector.messages
        assert received["Subject"] == reset_mail["Subject"]
        reads = await container.audit.search(
            EventQuery(tenant_id=tenant.id, types=(EventType.SECRET_READ,))
        )
    finally:
        await container.close()
    assert [(e.event.details["version"], e.event.actor.id) for e in reads] == [
        (1, "smtp"),
        (2, "smtp"),
    ]


def test_smtp_password_and_its_secret_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="not both"):
        Settings(smtp_password=SecretStr("x" * 12), smtp_password_secret=NAME)
