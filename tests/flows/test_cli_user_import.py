"""`tier0 user import`: Auth0 bulk-import files, bad records by index, idempotent re-runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.users.test_imported_hashes import BCRYPT_2A
from tier0.cli.main import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIER0_BCRYPT_COST", "10")
    return CliRunner()


def test_user_import_reports_bad_records_and_reruns_idempotently(
    cli: CliRunner, tmp_path: Path
) -> None:
    users = [
        {"email": "ok@example.com", "password_hash": BCRYPT_2A, "email_verified": True},
        {"email": "bad@example.com", "password_hash": "plaintext-oops"},
        {"email": "md5@example.com",
         "custom_password_hash": {"algorithm": "md5",
                                  "hash": {"value": "2ab96390c7dbe3439de74d0c9b0b1767"}}},
    ]  # fmt: skip
    file = tmp_path / "users.json"
    file.write_text(json.dumps(users), encoding="utf-8")
    assert cli.invoke(app, ["tenant", "create", "acme"]).exit_code == 0

    first = cli.invoke(app, ["user", "import", "-t", "acme", str(file), "--json"])
    assert first.exit_code == 1  # some records failed
    report = json.loads(first.stdout)
    assert (report["total"], report["inserted"], report["failed"]) == (3, 2, 1)
    assert report["errors"][0]["index"] == 1 and report["errors"][0]["code"] == "FORMAT"
    assert "plaintext-oops" not in first.stdout

    second = cli.invoke(app, ["user", "import", "-t", "acme", str(file)])
    assert second.exit_code == 1
    assert "inserted: 0  existing: 2  failed: 1" in second.stdout
    assert "record 1: FORMAT: password_hash must be a bcrypt" in second.stderr

    listed = cli.invoke(app, ["user", "list", "-t", "acme", "--json"])
    assert sorted(u["email"] for u in json.loads(listed.stdout)) == [
        "md5@example.com",
        "ok@example.com",
    ]


def test_user_import_refuses_an_unusable_file(cli: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "users.json"
    # (One object on one line is a valid one-user NDJSON file; a bare string is neither.)
    file.write_text('"not-an-array@example.com"', encoding="utf-8")
    assert cli.invoke(app, ["tenant", "create", "acme"]).exit_code == 0
    result = cli.invoke(app, ["user", "import", "-t", "acme", str(file)])
    assert result.exit_code == 2
    assert "JSON array" in result.stderr
