"""Real loopback receivers for log-stream tests: a minimal HTTP webhook endpoint and an
RFC 6587 octet-counting syslog listener, both on asyncio sockets."""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass, field
from typing import Any


@dataclass
class WebhookReceiver:
    """Answers ``status`` to every POST; with ``hang`` set it never answers (a stuck peer),
    nor with ``hang_after`` set once it has received more than that many requests."""

    status: int = 200
    hang: bool = False
    hang_after: int | None = None
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.gate.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def seqs(self) -> list[int]:
        return [record["seq"] for _, body in self.requests for record in json.loads(body)]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")[1:]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, v in (line.split(":", 1) for line in lines if ":" in line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append((headers, body))
                self.arrived.set()
                if self.hang or (
                    self.hang_after is not None and len(self.requests) > self.hang_after
                ):
                    await self.gate.wait()
                reason = b"OK" if self.status < 400 else b"Error"
                writer.write(b"HTTP/1.1 %d %s\r\ncontent-length: 0\r\n\r\n" % (self.status, reason))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@dataclass
class SyslogListener:
    """Collects RFC 5424 messages framed with octet counting (RFC 6587 §3.4.1)."""

    messages: list[bytes] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self, port: int = 0, *, tls: ssl.SSLContext | None = None) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port, ssl=tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(m.split(b" - event - ", 1)[1]) for m in self.messages]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                length = int((await reader.readuntil(b" "))[:-1])
                self.messages.append(await reader.readexactly(length))
        except (asyncio.IncompleteReadError, ValueError, ConnectionError):
            pass
        finally:
            writer.close()
