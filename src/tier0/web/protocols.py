"""uvicorn's HTTP/1.1 protocols with the edge guards `tier0 serve` needs (AV-03).

uvicorn closes idle keep-alive connections but has no deadline for a request's headers, so a
client that opens connections and trickles header bytes (slowloris) would hold them forever.
Both protocols here add that deadline: from the moment a connection opens, and again after
each response, the client has ``header_read_timeout`` seconds to finish the next request's
headers or the connection is closed.

Both also cap the request head (request line plus header block) at
``h11_max_incomplete_event_size`` bytes. h11 enforces that itself. httptools (llhttp) has no
such limit and buffers a header of any length, so :class:`GuardedHttpToolsProtocol` counts
the bytes it receives while a head is being read and, before handing them to the parser,
answers 431 and closes past the cap. A head that starts inside the read that ended the
previous request (pipelining) is counted from the next read on, so what the parser buffers
stays within the cap plus one read.

:class:`GuardedHttpToolsProtocol` is what `tier0 serve` runs (httptools ships with
``uvicorn[standard]``): its C parser costs a fraction of h11's pure-Python parsing per
request; :class:`GuardedH11Protocol` stays for comparison and tests. The precise 431 for a
header block over ``max_header_bytes`` stays in :mod:`tier0.web.request_limits`; this cap
is the memory guard before any of it is parsed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["GuardedH11Protocol", "GuardedHttpToolsProtocol"]

DEFAULT_HEADER_READ_TIMEOUT = 10.0
DEFAULT_MAX_HEAD = 16 * 1024


def header_read_timeout(config: Config) -> float:
    """The deadline set on the config by :func:`tier0.web.server.server_config`."""
    return float(getattr(config, "header_read_timeout", DEFAULT_HEADER_READ_TIMEOUT))


class HeadDeadline:
    """One timer per connection: armed while the client owes us a request head."""

    __slots__ = ("_handle", "_loop", "_on_expiry", "_timeout")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, timeout: float, on_expiry: Callable[[], None]
    ) -> None:
        self._loop, self._timeout, self._on_expiry = loop, timeout, on_expiry
        self._handle: asyncio.TimerHandle | None = None

    def arm(self) -> None:
        self.disarm()
        self._handle = self._loop.call_later(self._timeout, self._expired)

    def disarm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _expired(self) -> None:
        self._handle = None
        self._on_expiry()


def _close_if_idle(transport: asyncio.BaseTransport, in_flight: bool) -> None:
    """A deadline that fires while a response is still being produced leaves it alone: the
    request's headers did arrive; only a connection owing us a head is cut."""
    if not in_flight and not transport.is_closing():
        transport.close()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header-read deadline per request (h11 caps the head)."""

    _deadline: HeadDeadline | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # uvicorn's own signature narrows BaseProtocol's transport type; kept as it is.
        super().connection_made(transport)
        self._deadline = HeadDeadline(self.loop, header_read_timeout(self.config), self._expired)
        self._deadline.arm()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before and self._deadline is not None:  # a head was parsed
            self._deadline.disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self._deadline is not None:
            self._deadline.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.disarm()
        super().connection_lost(exc)

    def _expired(self) -> None:
        in_flight = self.cycle is not None and not self.cycle.response_complete
        _close_if_idle(self.transport, in_flight)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the header-read deadline and a head-size cap."""

    _deadline: HeadDeadline | None = None
    _max_head = DEFAULT_MAX_HEAD
    _head_bytes = 0  # received since the current head began (while _reading_head)
    _reading_head = True

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        self._max_head = self.config.h11_max_incomplete_event_size or DEFAULT_MAX_HEAD
        timeout = header_read_timeout(self.config)
        self._deadline = HeadDeadline(self.loop, timeout, self._expired)
        self._deadline.arm()

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            self._head_bytes += len(data)
            # Checked before the parser sees the bytes: it buffers a header of any
            # length, and a head it completes would already be a request.
            if self._head_bytes > self._max_head and not self._head_fits(data):
                self._refuse_head()
                return
        super().data_received(data)

    def _head_fits(self, data: bytes) -> bool:
        """Whether the head being read ends in ``data`` within the cap (only asked when
        the bytes counted, which may include a body, exceed it)."""
        end = data.find(b"\r\n\r\n")
        if end < 0 and data[:1] in (b"\r", b"\n"):
            end = 0  # the blank line may straddle two reads; the next read is counted
        return end >= 0 and self._head_bytes - len(data) + end + 4 <= self._max_head

    def on_headers_complete(self) -> None:
        self._reading_head, self._head_bytes = False, 0
        if self._deadline is not None:
            self._deadline.disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head, self._head_bytes = True, 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A pipelined request whose head already arrived is now in flight: it owes
        # nothing. Otherwise the client has the deadline to send the next head.
        idle = self.cycle is None or self.cycle.response_complete
        if idle and not self.transport.is_closing() and self._deadline is not None:
            self._deadline.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.disarm()
        super().connection_lost(exc)

    def _in_flight(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _expired(self) -> None:
        _close_if_idle(self.transport, self._in_flight())

    def _refuse_head(self) -> None:
        if self.transport.is_closing():
            return
        if not self._in_flight():  # never interleave with a response being written
            self.transport.write(_too_large(self.server_state.default_headers))
        self.transport.close()


def _too_large(default_headers: list[tuple[bytes, bytes]]) -> bytes:
    body = b"Request header fields too large."
    head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
    head += [name + b": " + value + b"\r\n" for name, value in default_headers]
    head += [
        b"content-type: text/plain; charset=utf-8\r\n",
        b"content-length: " + str(len(body)).encode() + b"\r\n",
        b"connection: close\r\n\r\n",
    ]
    return b"".join(head) + body
