"""Two `tier0 serve` nodes on one PostgreSQL database and one Redis, for scale-out tests."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REDIS_URL, skip_or_fail
from tests.security.live import LiveServer, free_port, live_server
from tier0.settings import Settings


@dataclass
class Cluster:
    a: LiveServer
    b: LiveServer
    settings: Settings

    @staticmethod
    def url(node: LiveServer) -> str:
        return f"http://127.0.0.1:{node.port}"


@contextmanager
def start_cluster(
    pg_database: str, tmp: Path, *, overrides: Mapping[str, object] | None = None
) -> Iterator[Cluster]:
    """Start node A (it migrates the fresh database and creates the key file), then B."""
    if not REDIS_URL:
        skip_or_fail("TIER0_TEST_REDIS_URL is not set")
    tmp.chmod(0o700)
    secret = secrets.token_urlsafe(36)  # fresh counter keys: no collision with other runs
    data = tmp / "data"
    env = {
        "TIER0_DATA_DIR": str(data),
        "TIER0_DATABASE_URL": pg_database,
        "TIER0_REDIS_URL": REDIS_URL or "",
        "TIER0_COUNTER_KEY_SECRET": secret,
        "TIER0_RATE_LIMIT_OVERRIDES": json.dumps(overrides or {}),
    }
    settings = Settings(
        data_dir=data,
        database_url=pg_database,
        redis_url=REDIS_URL,
        counter_key_secret=secret,
        bcrypt_cost=10,
        hash_workers=2,
    )
    port_a, port_b = free_port(), free_port()
    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    with (
        live_server(tmp / "a", ["--port", str(port_a)], env, tls=False, wait_ports=(port_a,)) as a,
        live_server(tmp / "b", ["--port", str(port_b)], env, tls=False, wait_ports=(port_b,)) as b,
    ):
        yield Cluster(a, b, settings)
