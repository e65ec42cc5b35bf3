"""Every CLI change leaves a `management.*` event with the CLI as actor and a diff of its
non-secret fields; secrets, passwords and emails never reach the event (LG-01, LG-02)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tier0.cli.main import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def _ok(cli: CliRunner, *args: str, stdin: str | None = None) -> str:
    result = cli.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def _changes(event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["field"]: {"from": c["from"], "to": c["to"]} for c in event["details"]["changes"]}


def _events(cli: CliRunner) -> list[dict[str, Any]]:
    out = _ok(cli, "log", "search", "--tenant", "acme", "--json", "--type", "management.*")
    return sorted((json.loads(line) for line in out.splitlines()), key=lambda e: int(e["seq"]))


def test_lg01_cli_changes_are_audited_with_actor_and_diff(cli: CliRunner) -> None:
    _ok(cli, "tenant", "create", "acme")
    created = json.loads(
        _ok(cli, "app", "create", "--tenant", "acme", "--name", "Web", "--type", "web",
            "--callback", "https://app.example/cb", "--json")
    )  # fmt: skip
    client_id, first_secret = created["client_id"], created["client_secret"]
    rotated = json.loads(_ok(cli, "app", "rotate-secret", client_id, "--tenant", "acme", "--json"))
    password = "Zq7-vortex-" + client_id[-6:] + "-lantern"
    user = json.loads(
        _ok(cli, "user", "create", "--tenant", "acme", "--email", "holder@example.com",
            "--password-stdin", "--json", stdin=password + "\n")
    )  # fmt: skip
    _ok(cli, "user", "block", user["user_id"], "--tenant", "acme")
    _ok(cli, "app", "delete", client_id, "--tenant", "acme")

    events = _events(cli)
    assert [e["type"] for e in events] == [
        "management.tenants.created",
        "management.applications.created",
        "management.applications.secret_rotated",
        "management.users.created",
        "management.users.updated",
        "management.applications.deleted",
    ]
    assert all(e["actor"] == {"kind": "system", "id": "cli"} for e in events)
    assert events[1]["subject"]["id"] == client_id
    assert _changes(events[1])["app_type"] == {"from": None, "to": "regular_web"}
    assert _changes(events[1])["client_secret"] == {"from": None, "to": "[redacted]"}
    assert _changes(events[2])["client_secret"] == {"from": "[redacted]", "to": "[redacted]"}
    assert _changes(events[4]) == {"blocked": {"from": False, "to": True}}
    # Personal data and the password: that they were set, never their value.
    assert _changes(events[3])["password"] == {"from": None, "to": "[redacted]"}
    assert _changes(events[3])["email"] == {"from": None, "to": "[redacted]"}
    assert _changes(events[5])["callbacks"] == {"from": ["https://app.example/cb"], "to": None}
    # LG-02 canary: neither client secret, the password nor the email is in any event.
    everything = json.dumps(events)
    for secret in (first_secret, rotated["client_secret"], password, "holder@example.com"):
        assert secret not in everything


def test_api_and_client_grant_changes_are_audited(cli: CliRunner) -> None:
    _ok(cli, "tenant", "create", "acme")
    api = json.loads(
        _ok(cli, "api", "create", "--tenant", "acme", "--name", "Orders",
            "--identifier", "https://orders.example", "--scope", "read:orders", "--json")
    )  # fmt: skip
    m2m = json.loads(
        _ok(cli, "app", "create", "--tenant", "acme", "--name", "Job", "--type", "m2m", "--json")
    )
    grant = json.loads(
        _ok(cli, "grant", "create", "--tenant", "acme", "--client-id", m2m["client_id"],
            "--api", "https://orders.example", "--scope", "read:orders", "--json")
    )  # fmt: skip
    _ok(cli, "grant", "delete", grant["id"], "--tenant", "acme")
    _ok(cli, "api", "delete", api["id"], "--tenant", "acme")
    events = {e["type"]: e for e in _events(cli)}
    created = events["management.resource_servers.created"]
    assert _changes(created)["identifier"]["to"] == "https://orders.example"
    grant_event = events["management.client_grants.created"]
    assert _changes(grant_event)["scope"] == {"from": None, "to": ["read:orders"]}
    assert events["management.client_grants.deleted"]["subject"]["id"] == grant["id"]
    assert events["management.resource_servers.deleted"]["subject"]["id"] == api["id"]


def test_lg01_apply_audits_each_change_without_secrets_or_emails(cli: CliRunner) -> None:
    example = Path(__file__).parents[3] / "docs" / "examples" / "tier0.yaml"
    applied = json.loads(_ok(cli, "apply", str(example), "--json"))
    events = _events(cli)
    acme_changes = [ch for ch in applied if ch.get("tenant", ch["name"]) == "acme"]
    assert len(events) == len(acme_changes)
    assert all(e["details"]["via"] == "apply" for e in events)
    types = {e["type"] for e in events}
    assert {"management.tenants.created", "management.applications.created"} <= types
    assert "management.users.created" in types
    everything = json.dumps(events)
    assert "alice@acme.test" not in everything
    for change in applied:
        if "client_secret" in change:
            assert change["client_secret"] not in everything
    assert _ok(cli, "apply", str(example), "--json").strip() == "[]"  # idempotent: no change
    assert len(_events(cli)) == len(events)  # ... and no event
