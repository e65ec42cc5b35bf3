"""`tier0 user export` memory, measured: N users out with flat memory (issue 4 asks 100k
users under 150 MB RSS; the point is that memory does not grow with N).

Run: `python -m bench export_memory` (or `python -m bench.export_memory --users 100000`).
Fills a tenant in a temporary SQLite store with N users (one bcrypt hash shared by all, so
filling costs no hashing; every user's personal fields are sealed as usual), then runs the
real CLI, `tier0 user export --include-password-hashes -o FILE`, as a child process, and reads
its peak resident set size from the kernel (``getrusage(RUSAGE_CHILDREN).ru_maxrss``). For
scale it also runs `tier0 tenant show`, which starts the same process and container and
exports nothing. Prints both peaks, the export's size and its wall time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from tier0.audit.changes import ChangedBy
from tier0.clock import SystemClock
from tier0.container import Container
from tier0.domain import User
from tier0.services.users import new_user_id
from tier0.settings import Settings

BENCH = ChangedBy.system("bench")  # the author of the benchmark's set-up changes

TENANT = "bench-export"
_BATCH = 2_000


async def _fill(settings: Settings, users: int) -> None:
    container = Container.build(settings, clock=SystemClock())
    await container.migrate()
    try:
        tenant = await container.tenants.create(TENANT, by=BENCH)
        password_hash = await container.hasher.hash("a shared benchmark password")
        start = container.clock.now()
        for first in range(0, users, _BATCH):
            async with container.db.transaction() as uow:
                for i in range(first, min(first + _BATCH, users)):
                    at = start + timedelta(microseconds=i)
                    await uow.users.add(
                        User(
                            tenant_id=tenant.id,
                            user_id=new_user_id(),
                            email=f"user{i:07d}@example.com",
                            email_verified=i % 2 == 0,
                            name=f"User {i}",
                            user_metadata={"plan": "gold" if i % 3 else "free"},
                            password_hash=password_hash,
                            created_at=at,
                            updated_at=at,
                        )
                    )
    finally:
        await container.close()


def _peak_rss_mib(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``tier0 ARGS`` alone and return (peak RSS in MiB, wall seconds)."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "w = time.perf_counter() - t\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, w)\n"
    )
    # A fresh parent per measurement, so RUSAGE_CHILDREN holds exactly this child.
    tier0 = str(Path(sys.executable).with_name("tier0"))
    out = subprocess.run(
        [sys.executable, "-c", code, tier0, *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]) / 1024, float(out[1])  # ru_maxrss is in KiB on Linux


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        settings = Settings(data_dir=data, bcrypt_cost=10)
        started = time.perf_counter()
        await _fill(settings, options.users)
        filled = time.perf_counter() - started
        env = {**os.environ, "TIER0_DATA_DIR": str(data)}
        idle, _ = _peak_rss_mib(["tenant", "show", TENANT], env)
        out = Path(folder) / "users.ndjson"
        args = ["user", "export", "-t", TENANT, "--include-password-hashes", "-o", str(out)]
        peak, seconds = _peak_rss_mib(args, env)
        lines = sum(1 for _ in out.open(encoding="utf-8"))
        assert lines == options.users, (lines, options.users)
        print(f"users: {options.users} (filled in {filled:.0f} s)")
        print(f"tier0 tenant show   peak RSS: {idle:6.1f} MiB")
        print(f"tier0 user export   peak RSS: {peak:6.1f} MiB  ({seconds:.1f} s, "
              f"{out.stat().st_size / 2**20:.1f} MiB of NDJSON)")  # fmt: skip


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())
