"""`tier0 tenant set` and `tier0 apply` switch sign-up and required email verification,
and each change is an audited `management.tenants.updated` event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.flows.test_cli import call


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIER0_BCRYPT_COST", "10")
    return CliRunner()


def _updates(cli: CliRunner) -> list[dict[str, object]]:
    code, out, err = call(cli, "log", "search", "-t", "acme", "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    flat = rows[0] if len(rows) == 1 and isinstance(rows[0], list) else rows
    return [r for r in flat if r.get("type") == "management.tenants.updated"]


def test_tenant_set_switches_signup_and_verification(cli: CliRunner) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, out, err = call(cli, "tenant", "set", "acme", "--signup", "--json")
    assert code == 0, err
    assert (
        json.loads(out).items()
        >= {
            "name": "acme",
            "signup_enabled": True,
            "email_verification_required": False,
        }.items()
    )
    code, out, _ = call(cli, "tenant", "set", "acme", "--require-verified-email", "--json")
    assert json.loads(out)["email_verification_required"] is True
    assert json.loads(out)["signup_enabled"] is True
    code, out, _ = call(cli, "tenant", "set", "acme", "--no-signup", "--json")
    assert json.loads(out)["signup_enabled"] is False
    assert len(_updates(cli)) == 3


def test_apply_sets_the_switches_idempotently(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "tier0.yaml"
    path.write_text(
        "tenants:\n  - name: acme\n    signup: true\n    require_verified_email: true\n"
    )
    code, out, err = call(cli, "apply", str(path))
    assert code == 0, err
    assert "tenant_settings" in out
    code, out, _ = call(cli, "apply", str(path))
    assert code == 0 and "no changes" in out
    code, out, _ = call(cli, "tenant", "set", "acme", "--json")
    assert (
        json.loads(out).items()
        >= {
            "name": "acme",
            "signup_enabled": True,
            "email_verification_required": True,
        }.items()
    )
