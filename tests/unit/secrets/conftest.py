"""CLI runner on a temporary data directory, shared by the secrets tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tier0.cli.main import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIER0_BCRYPT_COST", "10")
    return CliRunner()


def call(cli: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = cli.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr
