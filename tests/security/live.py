"""Start a real `tier0 serve` process for tests that need a live listener."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

TIER0 = str(Path(sys.executable).parent / "tier0")
STARTUP_LIMIT = 90.0  # seconds; the shared machine can be slow to import everything


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _answers(port: int, *, tls: bool) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
            if not tls:
                return True
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with ctx.wrap_socket(raw):
                return True
    except OSError:
        return False


@contextmanager
def live_server(
    tmp: Path, args: list[str], env: Mapping[str, str], *, tls: bool, wait_ports: tuple[int, ...]
) -> Iterator[LiveServer]:
    """Run `tier0 serve ARGS` with a clean TIER0_* environment plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TIER0_")}
    base.update({"TIER0_DATA_DIR": str(tmp / "data"), "TIER0_BCRYPT_COST": "10", **env})
    log = tmp / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [TIER0, "serve", *args], env=base, stdout=sink, stderr=subprocess.STDOUT
        )
    server = LiveServer(process, wait_ports[0], log)
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        pending = list(wait_ports)
        while pending:
            if process.poll() is not None:
                pytest.fail(f"tier0 serve exited early:\n{server.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"tier0 serve did not listen in time:\n{server.output()}")
            if _answers(pending[0], tls=tls and pending[0] == wait_ports[0]):
                pending.pop(0)
            else:
                time.sleep(0.3)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
