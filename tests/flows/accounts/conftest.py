"""Fixtures for the account lifecycle flows: a container whose mail goes over real SMTP
to an aiosmtpd server on loopback, a tenant with a web application and a user, a browser."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import unique
from tests.flows.login.conftest import CALLBACK, PASSWORD, World, hidden_fields
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Tenant
from tier0.domain.applications import AppType
from tier0.login.account_policy import with_account_switches
from tier0.services.applications import ApplicationSpec
from tier0.services.users import UserSpec
from tier0.settings import Settings
from tier0.web.app import create_app

__all__ = ["Inbox", "MailWorld", "hidden_fields"]

_LINK = re.compile(r"https?://\S+")


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(BytesParser(policy=default).parsebytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if str(m["To"]).lower() == address.lower()]

    def text(self, message: Message) -> str:
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        content: str = body.get_content()
        return content

    def link(self, message: Message) -> str:
        """The one link of a mail, as a path on the app (the mail has the absolute URL)."""
        found = _LINK.findall(self.text(message))
        assert len(found) == 1, found
        parts = urlsplit(found[0])
        return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback (no TLS: dev mode) and its port."""
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@dataclass
class MailWorld(World):
    inbox: Inbox = field(default_factory=Inbox)

    async def switch(self, *, signup: bool | None = None, verify: bool | None = None) -> None:
        settings = with_account_switches(
            self.tenant.settings, signup=signup, require_verified_email=verify
        )
        self.tenant = await self.container.tenants.update_settings(
            self.tenant, settings, by=ChangedBy.cli()
        )

    async def form(self, path: str) -> dict[str, str]:
        page = await self.client.get(path)
        assert page.status_code == 200, page.text
        return hidden_fields(page.text)

    async def mails_to(self, address: str, count: int) -> list[Message]:
        """The mails to ``address`` once ``count`` arrived (SMTP delivery is asynchronous
        on the server side; the wait is bounded and asserts nothing about speed)."""
        for _ in range(200):
            found = self.inbox.to(address)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        return self.inbox.to(address)


@pytest.fixture
async def mail_world(
    tmp_path: Path,
    database_url: str | None,
    clock: FrozenClock,
    inbox: tuple[Inbox, int],
    request: pytest.FixtureRequest,
) -> AsyncIterator[MailWorld]:
    handler, port = inbox
    key_file = request.getfixturevalue("shared_kms_key_file") if database_url else None
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        bcrypt_cost=10,
        hash_workers=2,
        key_file=key_file,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_require_tls=False,
        mail_from="tier0 <no-reply@example.org>",
        password_history_size=3,
    )
    container = Container.build(settings, clock=clock)
    await container.migrate()
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        tenant: Tenant = await container.tenants.create(unique("acct"), by=ChangedBy.cli())
        created = await container.applications.create(
            tenant,
            ApplicationSpec("Web", AppType.REGULAR_WEB, callbacks=(CALLBACK,)),
            by=ChangedBy.cli(),
        )
        email = f"{unique('user')}@example.com"
        await container.users.create(
            tenant, UserSpec(email=email, password=PASSWORD), by=ChangedBy.cli()
        )
        yield MailWorld(
            container,
            client,
            tenant,
            created.application,
            email,
            clock,
            created.client_secret or "",
            inbox=handler,
        )
    await container.close()
