"""The embedded directory generation file: a bump by any process is seen by every reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tier0.cache.generations import FileGenerations


async def test_new_file_reads_zero_then_follows_bumps(tmp_path: Path) -> None:
    path = tmp_path / "directory.generation"
    reader, writer = FileGenerations(path), FileGenerations(path)
    try:
        assert await reader.current() == 0
        await writer.bump()
        bumped = await reader.current()
        assert bumped not in (None, 0)
        assert bumped == await writer.current()
        await writer.bump()
        assert await reader.current() not in (None, 0, bumped)
    finally:
        await reader.aclose()
        await writer.aclose()


async def test_a_write_by_another_process_is_seen_without_reopening(tmp_path: Path) -> None:
    """The reader keeps the file mapped: a value another process writes in place (as the
    CLI's bump does) must be what its very next read returns."""
    path = tmp_path / "directory.generation"
    reader = FileGenerations(path)
    try:
        first = await reader.current()
        code = (
            "import os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
            "os.pwrite(fd, (123456789).to_bytes(8, 'little'), 0)"
        )
        subprocess.run([sys.executable, "-c", code, str(path)], check=True)
        assert first == 0
        assert await reader.current() == 123456789
    finally:
        await reader.aclose()


async def test_short_file_of_an_older_version_reads_as_zero(tmp_path: Path) -> None:
    path = tmp_path / "directory.generation"
    path.write_bytes(b"")
    generations = FileGenerations(path)
    try:
        assert await generations.current() == 0
        assert path.stat().st_size == 8
    finally:
        await generations.aclose()
