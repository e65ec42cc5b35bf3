from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tier0.users.hibp import BreachCheckUnavailable, HibpChecker

LEAKED = "correct horse battery staple"


class FakeRangeServer(ThreadingHTTPServer):
    """A loopback stand-in for the Pwned Passwords range API; records what it was asked."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RangeHandler)
        self.requests: list[tuple[str, str | None]] = []
        self.fail = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RangeHandler(BaseHTTPRequestHandler):
    server: FakeRangeServer

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Add-Padding")))
        if self.server.fail:
            self.send_error(503)
            return
        digest = hashlib.sha1(LEAKED.encode(), usedforsecurity=False).hexdigest().upper()
        lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:0", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2"]
        if self.path == f"/range/{digest[:5]}":
            lines.append(f"{digest[5:]}:3861493")
        body = "\r\n".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[FakeRangeServer]:
    srv = FakeRangeServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


async def test_pw05_online_check_finds_leaked_password_sending_only_a_prefix(
    server: FakeRangeServer,
) -> None:
    async with httpx.AsyncClient() as client:
        checker = HibpChecker(client, base_url=server.url)
        assert await checker.breach_count(LEAKED) == 3861493
        assert await checker.is_breached(LEAKED)
        assert not await checker.is_breached("Vq7#zLm2-pXr9!eWk")
    path, padding = server.requests[0]
    assert padding == "true"
    prefix = path.removeprefix("/range/")
    assert len(prefix) == 5  # k-anonymity: 5 of 40 hex digits leave the machine
    assert all(LEAKED not in p for p, _ in server.requests)


async def test_padding_entries_do_not_count(server: FakeRangeServer) -> None:
    async with httpx.AsyncClient() as client:
        checker = HibpChecker(client, base_url=server.url, min_count=5)
        assert not await checker.is_breached("some other password")


async def test_unavailable_service_fails_closed_by_default(server: FakeRangeServer) -> None:
    server.fail = True
    async with httpx.AsyncClient() as client:
        with pytest.raises(BreachCheckUnavailable):
            await HibpChecker(client, base_url=server.url).is_breached(LEAKED)
        opened = HibpChecker(client, base_url=server.url, fail_open=True)
        assert await opened.breach_count(LEAKED) is None
        assert not await opened.is_breached(LEAKED)
