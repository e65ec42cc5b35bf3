"""A live `tier0 serve --tls-self-signed` scanned with sslyze (TL-01), its plain-HTTP
listener (TL-02) and its connection deadlines (AV-03)."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.security.live import LiveServer, free_port, live_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int]]:
    tmp = tmp_path_factory.mktemp("tls")
    tmp.chmod(0o700)
    port, redirect = free_port(), free_port()
    env = {
        "TIER0_PUBLIC_URL": f"https://127.0.0.1:{port}",
        "TIER0_HEADER_READ_TIMEOUT": "2",
    }
    args = ["--port", str(port), "--tls-self-signed", "--http-redirect-port", str(redirect)]
    with live_server(tmp, args, env, tls=True, wait_ports=(port, redirect)) as live:
        yield live, redirect


def insecure() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def test_tl01_sslyze_finds_only_tls12_plus_with_aead_forward_secret_suites(
    server: tuple[LiveServer, int], tmp_path: Path
) -> None:
    live, _ = server
    out = tmp_path / "scan.json"
    scan = subprocess.run(
        [
            sys.executable, "-m", "sslyze",
            "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3",
            f"--json_out={out}", f"127.0.0.1:{live.port}",
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )  # fmt: skip
    assert scan.returncode == 0, scan.stdout.decode(errors="replace")[-2000:]
    result = json.loads(out.read_text())["server_scan_results"][0]["scan_result"]
    for old in ("ssl_2_0", "ssl_3_0", "tls_1_0", "tls_1_1"):
        assert result[f"{old}_cipher_suites"]["result"]["accepted_cipher_suites"] == [], old
    tls12 = result["tls_1_2_cipher_suites"]["result"]["accepted_cipher_suites"]
    tls13 = result["tls_1_3_cipher_suites"]["result"]["accepted_cipher_suites"]
    assert tls12 and tls13
    for accepted in tls12 + tls13:
        name = accepted["cipher_suite"]["name"]
        assert "GCM" in name or "CHACHA20_POLY1305" in name, name
        assert accepted["ephemeral_key"] is not None, name  # forward secrecy
    for accepted in tls12:
        assert accepted["cipher_suite"]["name"].startswith("TLS_ECDHE_")


def test_tl02_hsts_over_tls(server: tuple[LiveServer, int]) -> None:
    live, _ = server
    with httpx.Client(verify=insecure()) as http:
        resp = http.get(f"https://127.0.0.1:{live.port}/healthz")
    assert resp.status_code == 200
    assert resp.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_tl02_plain_http_token_request_only_redirects(server: tuple[LiveServer, int]) -> None:
    live, redirect = server
    with httpx.Client(follow_redirects=False) as http:
        resp = http.post(
            f"http://127.0.0.1:{redirect}/t/default/oauth/token",
            data={"grant_type": "client_credentials", "client_secret": "canary"},
        )
    assert resp.status_code == 308
    assert resp.headers["location"] == f"https://127.0.0.1:{live.port}/t/default/oauth/token"
    assert resp.content == b"" and "strict-transport-security" not in resp.headers


def test_av03_a_client_that_never_finishes_its_headers_is_cut_off(
    server: tuple[LiveServer, int],
) -> None:
    live, _ = server
    raw = socket.create_connection(("127.0.0.1", live.port), timeout=30)
    with insecure().wrap_socket(raw, server_hostname="localhost") as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        # Meanwhile other clients are served.
        with httpx.Client(verify=insecure()) as http:
            assert http.get(f"https://127.0.0.1:{live.port}/healthz").status_code == 200
        # The header deadline is 2 s here; the server closes without answering.
        assert slow.recv(1024) == b""
