"""The guarded uvicorn protocols `tier0 serve` runs (AV-03): header-read deadline and head-size
cap, on httptools (the default) and on h11, over real sockets against an in-process uvicorn
configured by :func:`tier0.web.server.server_config`."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from uvicorn.server import Server

from tier0.settings import Settings
from tier0.web.protocols import GuardedH11Protocol, GuardedHttpToolsProtocol
from tier0.web.server import server_config, uvicorn_options

DEADLINE = 0.6  # seconds to finish a head
CAP = 2048  # bytes of request line plus headers
PROTOCOLS = [GuardedHttpToolsProtocol, GuardedH11Protocol]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echoes the body length; `/slow` answers after longer than the header deadline."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    if scope["path"] == "/slow":
        await asyncio.sleep(DEADLINE * 2)
    body = str(size).encode()
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(params=PROTOCOLS, ids=lambda cls: cls.__name__)
def protocol(request: pytest.FixtureRequest) -> type[Any]:
    cls: type[Any] = request.param
    return cls


@pytest.fixture
def port(protocol: type[Any], tmp_path: Path) -> Iterator[int]:
    settings = Settings(
        data_dir=tmp_path,
        public_url="http://127.0.0.1",
        header_read_timeout=DEADLINE,
        max_header_bytes=CAP,
        keepalive_timeout=60,  # only our deadline closes idle connections in these tests
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = server_config(app, settings, http=protocol, lifespan="off")
    server = Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    try:
        yield sock.getsockname()[1]
    finally:
        for reader in READERS.values():
            reader.close()
        READERS.clear()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def request(path: str = "/", body: bytes = b"", extra: str = "") -> bytes:
    head = f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


def read_response(conn: socket.socket) -> tuple[int, bytes]:
    """One response; a buffered reader per socket keeps what a read took of the next one."""
    reader = READERS.setdefault(conn, conn.makefile("rb"))
    status = int(reader.readline()[9:12])
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, reader.read(length)


READERS: dict[socket.socket, BinaryIO] = {}


def closed(conn: socket.socket) -> bool:
    """Whether the server closes the connection (EOF or reset), reading what is left."""
    try:
        while conn.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


def test_both_protocols_serve_keep_alive_and_pipelined_requests(port: int) -> None:
    with connect(port) as conn:
        conn.sendall(request(body=b"abc"))
        assert read_response(conn) == (200, b"3")
        conn.sendall(request(body=b"x" * 10) + request(body=b"y" * 20))
        assert read_response(conn) == (200, b"10")
        assert read_response(conn) == (200, b"20")


def test_av03_a_head_never_finished_is_cut_off_while_others_are_served(port: int) -> None:
    with connect(port) as slow:
        slow.sendall(b"POST / HTTP/1.1\r\nhost: x\r\nx-slow: ")
        with connect(port) as other:
            other.sendall(request(body=b"ok"))
            assert read_response(other) == (200, b"2")
        started = time.monotonic()
        assert slow.recv(1024) == b""  # closed without an answer
        assert time.monotonic() - started < DEADLINE + 5


def test_av03_trickling_the_next_head_after_a_response_is_cut_off(port: int) -> None:
    with connect(port) as conn:
        conn.sendall(request())
        assert read_response(conn) == (200, b"0")
        conn.sendall(b"POST / HTTP/1.1\r\n")
        conn.settimeout(0.1)
        deadline = time.monotonic() + DEADLINE + 5
        cut = False
        while not cut and time.monotonic() < deadline:
            try:
                conn.sendall(b"x-a: b\r\n")  # each byte resets uvicorn's keep-alive timer
                cut = conn.recv(1024) == b""
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                cut = True
        assert cut


def test_av03_the_deadline_never_cuts_a_response_in_progress(port: int) -> None:
    with connect(port) as conn:
        conn.sendall(request("/slow", b"zz"))
        assert read_response(conn) == (200, b"2")


def test_av03_a_head_within_the_cap_is_served_and_a_body_is_not_counted(port: int) -> None:
    with connect(port) as conn:
        conn.sendall(request(extra="x-fill: " + "a" * (CAP - 200) + "\r\n"))
        assert read_response(conn) == (200, b"0")
        conn.sendall(request(body=b"b" * (CAP * 20)))
        assert read_response(conn) == (200, str(CAP * 20).encode())


def test_av03_a_whole_head_over_the_cap_is_refused_and_the_connection_closed(
    port: int, protocol: type[Any]
) -> None:
    with connect(port) as conn:
        conn.sendall(request(extra="x-fill: " + "a" * (CAP + 100) + "\r\n"))
        status, _ = read_response(conn)
        if protocol is GuardedH11Protocol:
            # h11 caps only a head still incomplete after a read; one that arrives whole
            # reaches the app, where RequestLimitsMiddleware answers 431 (AV-02).
            assert status == 200
            return
        assert status == 431
        assert closed(conn)


def test_av03_an_endless_header_is_refused_before_it_is_all_sent(port: int) -> None:
    with connect(port) as conn:
        conn.sendall(b"POST / HTTP/1.1\r\nhost: x\r\nx-endless: ")
        sent = 0
        try:
            while sent < 8 * 1024 * 1024:
                conn.sendall(b"a" * 4096)
                sent += 4096
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert sent < 8 * 1024 * 1024  # the server stopped reading long before
        closed(conn)


def test_tier0_serve_runs_httptools_on_uvloop_where_installed(tmp_path: Path) -> None:
    options = uvicorn_options(Settings(data_dir=tmp_path, public_url="http://127.0.0.1"))
    assert options["http"] is GuardedHttpToolsProtocol
    assert options["loop"] == "auto"  # uvicorn picks uvloop when it is importable
