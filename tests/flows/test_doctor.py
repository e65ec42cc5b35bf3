"""`tier0 doctor`: non-zero on a dev configuration in production mode, zero on the production
examples documented in docs/deployment.md; `tier0 kek init` creates an owner-only key file."""

from __future__ import annotations

import json
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tier0.cli.main import app
from tier0.crypto.tls import ensure_self_signed

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = re.compile(r"```sh\n# production example: (\w[\w-]*)\n(.*?)```", re.DOTALL)


def documented_examples() -> dict[str, dict[str, str]]:
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    examples = {}
    for name, body in EXAMPLE.findall(text):
        pairs = (line.split("=", 1) for line in body.splitlines() if "=" in line)
        examples[name] = {key.strip(): value.strip() for key, value in pairs}
    return examples


def test_docs_hold_both_production_examples() -> None:
    assert set(documented_examples()) == {"embedded", "scale-out"}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("TIER0_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_doctor_fails_a_dev_configuration_in_production_mode(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("TIER0_MODE", "production")
    clean_env.setenv("TIER0_PUBLIC_URL", "https://id.example.com")
    clean_env.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    failed = {row["check"] for row in json.loads(result.stdout) if row["severity"] == "fail"}
    assert {"transport", "key_file"} <= failed


def test_doctor_reports_invalid_settings_as_a_failure(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TIER0_MODE", "production")  # with the default http:// public URL
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1 and "FAIL" in result.stdout and "https" in result.stdout


def test_doctor_in_dev_mode_warns_and_exits_zero(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0 and "warn" in result.stdout
    strict = CliRunner().invoke(app, ["doctor", "--production"])
    assert strict.exit_code == 1


@pytest.mark.parametrize("name", ["embedded", "scale-out"])
def test_doctor_passes_the_documented_production_example(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    etc, var = tmp_path / "etc", tmp_path / "var"
    etc.mkdir(mode=0o700)
    var.mkdir(mode=0o700)
    for key, value in documented_examples()[name].items():
        moved = value.replace("/etc/tier0", str(etc)).replace("/var/lib/tier0", str(var))
        clean_env.setenv(key, moved)
    runner = CliRunner()
    made = runner.invoke(app, ["kek", "init", "--path", str(etc / "kek.json")])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE((etc / "kek.json").stat().st_mode) == 0o600
    if name == "embedded":
        files = ensure_self_signed(etc / "tls", now=datetime.now(UTC))
        files.cert_file.rename(etc / "tls" / "fullchain.pem")
        files.key_file.rename(etc / "tls" / "privkey.pem")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.stdout
    assert "FAIL" not in result.stdout


def test_kek_init_never_replaces_a_key(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    runner = CliRunner()
    assert runner.invoke(app, ["kek", "init", "--path", str(path)]).exit_code == 0
    before = path.read_bytes()
    again = runner.invoke(app, ["kek", "init", "--path", str(path)])
    assert again.exit_code == 2 and path.read_bytes() == before
