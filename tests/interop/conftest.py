"""A live `tier0 serve` on loopback, set up through the CLI, for the node interop clients.

The clients are npm's openid-client and oauth4webapi (pinned in package.json, lock file
committed), both strict, OpenID-certified relying-party libraries. If node or the packages
are missing, the tests fail with a clear message: in CI they must run, never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).parent
FLOWS = HERE / "flows"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def issuer(self, tenant: str) -> str:
        return f"{self.base_url}/t/{tenant}"

    def cli(self, *args: str, stdin: str | None = None) -> Any:
        """Run `tier0 ARGS --json` against the server's store and return the parsed JSON."""
        done = subprocess.run(
            [sys.executable, "-m", "tier0", *args, "--json"],
            env=self.env,
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TIER0_DATA_DIR": str(tmp_path_factory.mktemp("live") / "data"),
        "TIER0_PUBLIC_URL": base,
        "TIER0_HOST": "127.0.0.1",
        "TIER0_PORT": str(port),
        "TIER0_BCRYPT_COST": "10",
        "TIER0_LOG_LEVEL": "warning",
    }
    env.pop("TIER0_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tier0", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"tier0 serve exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("tier0 serve did not become healthy within 60 s")
            time.sleep(0.2)
        yield LiveServer(base, env, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        if process.stderr is not None:
            process.stderr.close()


def run_flow(script: str, scenario: dict[str, Any]) -> dict[str, Any]:
    """Run one node flow with the scenario on stdin; return its JSON result."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the interop suite needs Node.js >= 20")
    if not (HERE / "node_modules" / "openid-client").is_dir():
        pytest.fail("tests/interop/node_modules is missing: run `make test` (it runs npm ci)")
    done = subprocess.run(
        [node, str(FLOWS / script)],
        input=json.dumps(scenario).encode(),
        capture_output=True,
        timeout=120,
        check=False,
        cwd=HERE,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stderr.decode()[-4000:]}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result
