"""BF-01 end to end: ten failures block the IP for the account, the user gets the blocked
account mail through a real SMTP server (aiosmtpd on loopback) with a single-use, expiring
unblock link, and following it over HTTP lets the right password in again."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.flows.login.conftest import World, hidden_fields, make_world
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.protection.documents import BruteForceProtectionUpdate
from tier0.settings import Settings
from tier0.storage.sql.models import UnblockTicketRow
from tier0.web.app import create_app

_LINK = re.compile(r"(http://\S+/u/unblock\?ticket=[A-Za-z0-9_-]+)")


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with socket.socket() as probe:  # aiosmtpd probes its own port, so no port 0
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
async def mailing_world(
    tmp_path: Path,
    database_url: str | None,
    clock: FrozenClock,
    smtp: tuple[int, Inbox],
    request: pytest.FixtureRequest,
) -> AsyncIterator[World]:
    key_file = request.getfixturevalue("shared_kms_key_file") if database_url else None
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        key_file=key_file,
        bcrypt_cost=10,
        hash_workers=2,
        smtp_host="127.0.0.1",
        smtp_port=smtp[0],
        smtp_require_tls=False,  # loopback test server without TLS
    )
    container = Container.build(settings, clock=clock)
    await container.migrate()
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield await make_world(container, http, clock)
    await container.close()


async def _get_blocked(world: World, failures: int = 10) -> None:
    page = await world.authorize()
    for _ in range(failures):
        assert (await world.sign_in(page, password="not the password")).status_code == 400
        world.clock.advance(20)  # past the progressive account throttle
    assert (await world.sign_in(page)).status_code == 429


async def _mail_link(world: World, inbox: Inbox) -> str:
    await world.container.protection_blocks.aclose()  # the mail goes out in the background
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == world.email
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    found = _LINK.search(body.get_content())
    assert found is not None
    return found.group(1)


async def _follow(world: World, link: str) -> httpx.Response:
    page = await world.client.get(link.removeprefix("http://127.0.0.1:8000"))
    if page.status_code != 200:
        return page
    return await world.client.post(f"{world.base}/u/unblock", data=hidden_fields(page.text))


async def test_bf01_unblock_email_link_lifts_the_block_once(
    mailing_world: World, smtp: tuple[int, Inbox]
) -> None:
    world, inbox = mailing_world, smtp[1]
    await _get_blocked(world)
    link = await _mail_link(world, inbox)
    done = await _follow(world, link)
    assert done.status_code == 200 and "Sign-in unblocked" in done.text
    assert (await world.full_login()).status_code == 303
    # Single use: the same link again is refused, on the page and on the POST.
    again = await world.client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert again.status_code == 400 and "cannot be used" in again.text
    ticket = link.rsplit("=", 1)[1]
    replay = await world.client.post(f"{world.base}/u/unblock", data={"ticket": ticket})
    assert replay.status_code in (400, 403)
    # Only a keyed hash of the ticket is stored.
    async with world.container.db.read() as uow:
        rows = (await uow.session.scalars(select(UnblockTicketRow.ticket_hash))).all()
    assert rows and ticket not in rows
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=100))
    unblocked = [e.event for e in found if e.event.type is EventType.BRUTE_FORCE_UNBLOCKED]
    assert unblocked and unblocked[0].details["via"] == "unblock_link"


async def test_bf01_unblock_link_expires(mailing_world: World, smtp: tuple[int, Inbox]) -> None:
    world, inbox = mailing_world, smtp[1]
    await _get_blocked(world)
    link = await _mail_link(world, inbox)
    world.clock.advance(3601)
    expired = await _follow(world, link)
    assert expired.status_code == 400 and "cannot be used" in expired.text
    page = await world.authorize()
    assert (await world.sign_in(page)).status_code == 429


async def test_bf01_no_mail_without_the_user_notification_shield(
    mailing_world: World, smtp: tuple[int, Inbox]
) -> None:
    world, inbox = mailing_world, smtp[1]
    block_only = BruteForceProtectionUpdate(shields=["block"], max_attempts=3)
    await world.container.protection_policies.update(
        world.tenant, "brute-force-protection", block_only, by=ChangedBy.cli()
    )
    await _get_blocked(world, failures=3)  # the tenant's stored threshold, not the default
    await world.container.protection_blocks.aclose()
    assert inbox.messages == []
