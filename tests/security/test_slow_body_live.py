"""AV-03 on a live `tier0 serve`: a request body that stalls is answered 408 and the
connection closed while other clients are served, and the connection cap
(``TIER0_LIMIT_CONCURRENCY``) answers 503 past the limit instead of queueing without end.

Real sockets against the real server process (its guarded protocol, edge and app), as an
attacker holding connections open would meet it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.security.live import LiveServer, free_port, live_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]

BODY_TIMEOUT = 1  # seconds a body may pause (TIER0_BODY_READ_TIMEOUT)
BODY_TOTAL = 3  # seconds a whole body may take (TIER0_BODY_TOTAL_TIMEOUT)
CAP = 10  # TIER0_LIMIT_CONCURRENCY (its minimum)
WAIT = 30  # socket timeout: a liveness bound for a broken server, not a timing check


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("slowbody")
    tmp.chmod(0o700)
    port = free_port()
    env = {
        "TIER0_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TIER0_BODY_READ_TIMEOUT": str(BODY_TIMEOUT),
        "TIER0_BODY_TOTAL_TIMEOUT": str(BODY_TOTAL),
        "TIER0_LIMIT_CONCURRENCY": str(CAP),
        "TIER0_HEADER_READ_TIMEOUT": "20",  # idle held connections outlive the cap test
    }
    with live_server(tmp, ["--port", str(port)], env, tls=False, wait_ports=(port,)) as live:
        yield live


def _connect(live: LiveServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", live.port), timeout=WAIT)


def _read_all(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    try:
        while chunk := conn.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def test_av03_a_stalled_request_body_gets_408_and_the_connection_closes(
    server: LiveServer,
) -> None:
    with _connect(server) as slow:
        slow.sendall(
            b"POST /t/default/oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            b"grant_type=client_cre"  # 21 of the 100 bytes promised, then nothing
        )
        # Meanwhile the server answers others.
        with httpx.Client(timeout=WAIT) as http:
            assert http.get(f"http://127.0.0.1:{server.port}/healthz").status_code == 200
        answer = _read_all(slow)  # returns once the server closes
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"connection: close" in head.lower()
    assert b'"timeout"' in body  # the problem+json code, from the edge's request limits


def test_av03_a_trickled_request_body_gets_408_at_the_total_deadline(
    server: LiveServer,
) -> None:
    """A byte every 0.6 s never pauses for the 1 s a stall needs; the whole-body deadline
    still ends it, long before the 100 bytes it promised would have arrived (60 s)."""
    with _connect(server) as slow:
        slow.sendall(
            b"POST /t/default/oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        )
        slow.settimeout(0.6)
        answer = b""
        for _ in range(100):  # at most the whole body: a server without the deadline
            try:
                slow.sendall(b"x")
            except OSError:  # closed under us: the answer is in the buffer
                break
            try:
                answer += slow.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        slow.settimeout(WAIT)
        answer += _read_all(slow)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b'"timeout"' in body


def test_av03_connections_past_the_cap_get_503_until_some_close(server: LiveServer) -> None:
    url = f"http://127.0.0.1:{server.port}/healthz"
    with ExitStack() as held:
        for _ in range(CAP):
            held.enter_context(_connect(server))  # open and silent, as a slowloris holds them
        with _connect(server) as extra:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            refused = _read_all(extra)
        assert refused.startswith(b"HTTP/1.1 503 "), refused[:200]
    # Once they are gone the server serves again (it notices the closes asynchronously).
    with httpx.Client(timeout=WAIT) as http:
        for _ in range(200):
            if http.get(url, headers={"connection": "close"}).status_code == 200:
                break
            time.sleep(0.05)
        else:
            pytest.fail("still refused after the held connections closed")
