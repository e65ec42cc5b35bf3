"""`tier0 audit verify|checkpoint|grants` and `tier0 log search` (LG-01, LG-03)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tier0.audit.changes import ChangedBy
from tier0.cli.common import run
from tier0.cli.main import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    # The creation is the chain's first event (seq 1): the tests below count from there.
    run(lambda c: c.tenants.create("acme", by=ChangedBy.cli()))
    return CliRunner()


def _db(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "data" / "tier0.db")


def _verify(cli: CliRunner, *extra: str) -> tuple[int, dict[str, object]]:
    result = cli.invoke(app, ["audit", "verify", "--tenant", "acme", "--json", *extra])
    return result.exit_code, json.loads(result.stdout.splitlines()[-1])


def test_lg03_verify_records_its_own_outcome(cli: CliRunner) -> None:
    code, first = _verify(cli)
    assert code == 0
    assert first["ok"] is True
    assert first["checked"] == 1  # the tenant's creation
    code, second = _verify(cli)  # the first run appended audit.chain.verified
    assert (code, second["checked"], second["head_seq"]) == (0, 2, 2)
    result = cli.invoke(app, ["log", "search", "--tenant", "acme", "--json"])
    types = [json.loads(line)["type"] for line in result.stdout.splitlines()]
    assert types == ["audit.chain.verified", "audit.chain.verified", "management.tenants.created"]


def test_lg03_cli_names_an_edited_row(cli: CliRunner, tmp_path: Path) -> None:
    for _ in range(3):
        _verify(cli)
    with _db(tmp_path) as db:
        db.execute("UPDATE events SET payload = CAST(REPLACE(CAST(payload AS TEXT), "
                   "'\"checked\":1', '\"checked\":7') AS BLOB) WHERE seq = 2")  # fmt: skip
    result = cli.invoke(app, ["audit", "verify", "--tenant", "acme"])
    assert result.exit_code == 1
    assert "problem: altered" in result.stdout
    assert "seq: 2" in result.stdout


def test_lg03_cli_names_a_deleted_row(cli: CliRunner, tmp_path: Path) -> None:
    for _ in range(3):
        _verify(cli)
    with _db(tmp_path) as db:
        db.execute("DELETE FROM events WHERE seq = 2")
    code, verdict = _verify(cli)
    assert (code, verdict["problem"], verdict["seq"]) == (1, "removed", 2)


def test_lg03_cli_names_swapped_rows(cli: CliRunner, tmp_path: Path) -> None:
    for _ in range(4):
        _verify(cli)
    with _db(tmp_path) as db:
        for old, new in ((1, -1), (3, 1), (-1, 3)):
            db.execute("UPDATE events SET seq = ? WHERE seq = ?", (new, old))
    code, verdict = _verify(cli)
    assert (code, verdict["problem"], verdict["seq"]) == (1, "reordered", 1)


def test_lg03_exported_checkpoint_catches_truncation(cli: CliRunner, tmp_path: Path) -> None:
    for _ in range(3):
        _verify(cli)
    result = cli.invoke(app, ["audit", "checkpoint", "--tenant", "acme"])
    assert result.exit_code == 0
    exported = result.stdout.strip()
    assert exported.startswith("tier0-ckpt.v1.")
    with _db(tmp_path) as db:
        db.execute("DELETE FROM events WHERE seq >= 2")
        db.execute("DELETE FROM audit_checkpoints")
        db.execute("UPDATE audit_heads SET seq = 1, hash = (SELECT hash FROM events WHERE seq = 1)")
    code, verdict = _verify(cli)
    assert code == 0  # without the exported copy the shorter chain looks whole
    code, verdict = _verify(cli, "--checkpoint", exported)
    assert (code, verdict["problem"]) == (1, "removed")  # chain: 1 record, checkpoint: 4


def test_verify_refuses_a_malformed_checkpoint(cli: CliRunner) -> None:
    result = cli.invoke(app, ["audit", "verify", "--tenant", "acme", "--checkpoint", "nope"])
    assert result.exit_code == 2
    assert "not a tier0 checkpoint" in result.stderr


def test_log_search_filters_by_type_prefix_and_since(cli: CliRunner) -> None:
    _verify(cli)
    args = ["log", "search", "--tenant", "acme", "--json"]
    result = cli.invoke(app, [*args, "--type", "audit.*", "--since", "1h"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["seq"], r["type"], r["actor"]["kind"]) for r in lines] == [
        (2, "audit.chain.verified", "system")
    ]
    result = cli.invoke(app, [*args, "--type", "user.login.*"])
    assert result.stdout == ""
    result = cli.invoke(app, [*args, "--type", "no.such.type"])
    assert result.exit_code == 2
    assert "unknown event type" in result.stderr
    result = cli.invoke(app, [*args, "--since", "yesterday"])
    assert result.exit_code == 2


def test_log_search_table_and_follow(cli: CliRunner) -> None:
    _verify(cli)
    _verify(cli)
    result = cli.invoke(app, ["log", "search", "--tenant", "acme", "--limit", "1"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SEQ", "TIME", "TYPE", "OUTCOME", "ACTOR", "SUBJECT", "IP"]
    assert lines[1].startswith("3 ")
    follow = ["log", "search", "--tenant", "acme", "--json", "--follow", "--interval", "0"]
    result = cli.invoke(app, [*follow, "--polls", "1"])
    assert [json.loads(x)["seq"] for x in result.stdout.splitlines()] == [1, 2, 3]


def test_grants_prints_append_only_sql(cli: CliRunner) -> None:
    result = cli.invoke(app, ["audit", "grants", "--role", "tier0_app"])
    assert result.exit_code == 0
    assert "GRANT SELECT, INSERT ON events, audit_checkpoints TO tier0_app;" in result.stdout
    assert "UPDATE ON events" not in result.stdout
    assert cli.invoke(app, ["audit", "grants", "--role", "x;y"]).exit_code == 2


def test_stream_cli_add_list_relay_replay_delete(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    args = ["--tenant", "acme"]
    result = cli.invoke(
        app, ["stream", "add", "file", *args, "--type", "jsonl", "--path", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cursor"] == 1  # starts after the tenant's creation
    result = cli.invoke(app, ["relay", "run", "--once"])
    assert result.stdout.strip() == "relayed 1 events"  # the stream's own creation
    assert json.loads(out.read_text())["type"] == "management.log_streams.created"
    result = cli.invoke(app, ["stream", "list", *args, "--json"])
    assert [(s["name"], s["cursor"]) for s in json.loads(result.stdout)] == [("file", 2)]
    assert cli.invoke(app, ["stream", "replay", "file", *args, "--after", "0"]).exit_code == 0
    cli.invoke(app, ["relay", "run", "--once"])
    seqs = [json.loads(line)["seq"] for line in out.read_text().splitlines()]
    assert seqs == [2, 1, 2, 3]  # replayed from the start, then the replay's own event
    assert cli.invoke(app, ["stream", "delete", "file", *args]).exit_code == 0
    assert json.loads(cli.invoke(app, ["stream", "list", *args, "--json"]).stdout) == []


def test_webhook_stream_secret_is_shown_once_and_stored_sealed(
    cli: CliRunner, tmp_path: Path
) -> None:
    result = cli.invoke(
        app,
        ["stream", "add", "siem", "--tenant", "acme", "--type", "webhook",
         "--url", "https://siem.example/hook", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret = json.loads(result.stdout)["secret"]
    assert len(secret) >= 32
    listed = cli.invoke(app, ["stream", "list", "--tenant", "acme", "--json"]).stdout
    assert secret not in listed
    with _db(tmp_path) as db:
        (legacy,) = db.execute("SELECT secret_sealed FROM log_streams").fetchone()
        (stored,) = db.execute(
            "SELECT sealed FROM stored_secrets WHERE name LIKE 'log-streams/lst_%'"
        ).fetchone()
    assert legacy is None and secret.encode() not in stored  # in the secret store, sealed


@pytest.mark.parametrize(
    "extra",
    [
        ["--type", "webhook", "--url", "http://siem.example/hook"],
        ["--type", "syslog", "--host", "siem.example"],
        ["--type", "jsonl"],
        ["--type", "jsonl", "--path", "x", "--category", "nope"],
    ],
)
def test_stream_cli_refuses_bad_settings(cli: CliRunner, extra: list[str]) -> None:
    result = cli.invoke(app, ["stream", "add", "bad", "--tenant", "acme", *extra])
    assert result.exit_code == 2
    assert result.stderr.startswith("error:")
