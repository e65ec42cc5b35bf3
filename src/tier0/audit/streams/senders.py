"""Senders: how a batch of stream records reaches its destination.

Every sender raises :class:`DeliveryError` (with a message that holds no secret) when the
destination did not acknowledge the whole batch; the relay then retries the same batch.

Webhook signature (documented for receivers in docs/log-streams.md)::

    Tier0-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

Receivers recompute the MAC over the raw body, compare in constant time, and refuse a
``t`` more than 300 seconds from their clock (replay window).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import ssl
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

import httpx

from tier0.clock import Clock, epoch

SIGNATURE_HEADER: Final = "Tier0-Signature"
REPLAY_WINDOW_SECONDS: Final = 300
SYSLOG_FACILITY_AUTHPRIV: Final = 10
_SEVERITY = {"failure": 4, "success": 6}  # warning, informational (RFC 5424 §6.2.1)


class DeliveryError(Exception):
    """The destination did not take the batch. The message never holds a secret."""


class Sender(Protocol):
    async def send(self, records: Sequence[Mapping[str, Any]]) -> None: ...


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def check_signature(secret: bytes, header: str, body: bytes, now: int) -> bool:
    """What a receiver does: parse, check the replay window, compare in constant time."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > REPLAY_WINDOW_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class WebhookSender:
    """HTTPS POST of a JSON array of records, HMAC-signed; any 2xx acknowledges."""

    def __init__(self, url: str, secret: bytes, clock: Clock, client: httpx.AsyncClient) -> None:
        self._url = url
        self._secret = secret
        self._clock = clock
        self._client = client

    async def send(self, records: Sequence[Mapping[str, Any]]) -> None:
        body = _json(list(records)).encode("ascii")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, epoch(self._clock.now()), body),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}") from exc
        if not response.is_success:
            raise DeliveryError(f"webhook answered HTTP {response.status_code}")


def syslog_message(record: Mapping[str, Any], *, hostname: str) -> bytes:
    """One RFC 5424 message: ``<PRI>1 TIMESTAMP HOST tier0 - event - JSON``."""
    severity = _SEVERITY.get(str(record.get("outcome")), 5)
    pri = SYSLOG_FACILITY_AUTHPRIV * 8 + severity
    stamp = str(record.get("time") or "-")
    return f"<{pri}>1 {stamp} {hostname} tier0 - event - {_json(record)}".encode("ascii")


class SyslogSender:
    """Syslog over TCP, or TLS when ``ssl_context`` is set (RFC 5425), with octet-counting
    framing (RFC 6587 §3.4.1) so a record can never be split or merged with another."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        hostname: str = "tier0",
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._hostname = hostname
        self._ssl = ssl_context
        self._timeout = timeout

    async def send(self, records: Sequence[Mapping[str, Any]]) -> None:
        frames = b"".join(
            b"%d %s" % (len(msg), msg)
            for msg in (syslog_message(r, hostname=self._hostname) for r in records)
        )
        try:
            async with asyncio.timeout(self._timeout):
                _reader, writer = await asyncio.open_connection(
                    self._host, self._port, ssl=self._ssl
                )
                try:
                    writer.write(frames)
                    await writer.drain()
                finally:
                    writer.close()
                    await writer.wait_closed()
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise DeliveryError(f"syslog unreachable: {type(exc).__name__}") from exc


class JsonLinesSender:
    """Appends one JSON object per line to a file (for log shippers), flushed and fsynced."""

    def __init__(self, path: Path) -> None:
        self._path = path

    async def send(self, records: Sequence[Mapping[str, Any]]) -> None:
        text = "".join(_json(r) + "\n" for r in records)
        try:
            await asyncio.to_thread(self._append, text)
        except OSError as exc:
            raise DeliveryError(f"cannot append to the file: {exc.strerror}") from exc

    def _append(self, text: str) -> None:
        with self._path.open("a", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
