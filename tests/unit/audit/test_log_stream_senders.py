"""Senders: signed webhooks, RFC 5424 syslog framing, JSON lines."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from tests.unit.audit.receivers import SyslogListener, WebhookReceiver
from tier0.audit.streams.senders import (
    DeliveryError,
    JsonLinesSender,
    SyslogSender,
    WebhookSender,
    check_signature,
    sign,
    syslog_message,
)
from tier0.clock import FrozenClock, epoch

SECRET = b"s" * 32
RECORD = {
    "seq": 1,
    "type": "user.login.failed",
    "outcome": "failure",
    "time": "2026-01-01T00:00:00.000000Z",
}


def test_signature_round_trip_and_replay_window() -> None:
    header = sign(SECRET, 1_000, b"[]")
    assert check_signature(SECRET, header, b"[]", now=1_000)
    assert check_signature(SECRET, header, b"[]", now=1_300)
    assert not check_signature(SECRET, header, b"[]", now=1_301)  # outside the window
    assert not check_signature(SECRET, header, b"[ ]", now=1_000)  # body changed
    assert not check_signature(b"x" * 32, header, b"[]", now=1_000)  # other secret
    assert not check_signature(SECRET, "garbage", b"[]", now=1_000)


async def test_webhook_sender_posts_a_signed_json_array() -> None:
    receiver = WebhookReceiver()
    await receiver.start()
    clock = FrozenClock()
    try:
        async with httpx.AsyncClient() as http:
            await WebhookSender(receiver.url, SECRET, clock, http).send([RECORD, RECORD])
            headers, body = receiver.requests[0]
            assert check_signature(SECRET, headers["tier0-signature"], body, epoch(clock.now()))
            assert json.loads(body) == [RECORD, RECORD]
            receiver.status = 503
            with pytest.raises(DeliveryError, match="HTTP 503"):
                await WebhookSender(receiver.url, SECRET, clock, http).send([RECORD])
    finally:
        await receiver.stop()


async def test_webhook_sender_reports_an_unreachable_peer() -> None:
    async with httpx.AsyncClient() as http:
        sender = WebhookSender("http://127.0.0.1:9/hook", SECRET, FrozenClock(), http)
        with pytest.raises(DeliveryError, match="unreachable"):
            await sender.send([RECORD])


def test_syslog_message_is_rfc5424_with_authpriv_severity() -> None:
    failure = syslog_message(RECORD, hostname="idp1")
    assert failure.startswith(b"<84>1 2026-01-01T00:00:00.000000Z idp1 tier0 - event - {")
    success = syslog_message({**RECORD, "outcome": "success"}, hostname="idp1")
    assert success.startswith(b"<86>1 ")
    assert b"\n" not in failure


async def test_syslog_sender_frames_by_octet_count() -> None:
    listener = SyslogListener()
    await listener.start()
    try:
        await SyslogSender("127.0.0.1", listener.port).send([RECORD, {**RECORD, "seq": 2}])
        for _ in range(50):  # the listener reads asynchronously; yield until it has both
            if len(listener.messages) == 2:
                break
            await asyncio.sleep(0.01)
        assert [r["seq"] for r in listener.records()] == [1, 2]
    finally:
        await listener.stop()


async def test_syslog_sender_reports_a_closed_port() -> None:
    with pytest.raises(DeliveryError, match="unreachable"):
        await SyslogSender("127.0.0.1", 9, timeout=2).send([RECORD])


async def test_json_lines_sender_appends(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    sender = JsonLinesSender(path)
    await sender.send([RECORD])
    await sender.send([{**RECORD, "seq": 2}])
    assert [json.loads(line)["seq"] for line in path.read_text().splitlines()] == [1, 2]
    with pytest.raises(DeliveryError):
        await JsonLinesSender(tmp_path / "missing" / "x.jsonl").send([RECORD])
