from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tier0.users.breached import BreachedPasswordList


@pytest.fixture(scope="session")
def breached() -> BreachedPasswordList:
    """The real shipped list, loaded once for the whole session."""
    return BreachedPasswordList()


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
    """A real HTTP server on loopback playing the Pwned Passwords range API."""
    srv = FakeRangeServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()
