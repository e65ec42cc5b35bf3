"""`tier0 tenant set` and `tier0 apply` set a tenant's session lifetimes (SE-03, Auth0's
`idle_session_lifetime` / `session_lifetime` in hours) and its default signing algorithm
(JW-01, JW-04); bad values are refused with one clear line and change nothing."""

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


def _settings(cli: CliRunner) -> dict[str, object]:
    code, out, err = call(cli, "tenant", "set", "acme", "--json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def test_se03_tenant_set_session_lifetimes(cli: CliRunner) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    before = _settings(cli)
    assert (before["idle_session_lifetime"], before["session_lifetime"]) == (1, 24)
    code, out, err = call(
        cli,
        "tenant",
        "set",
        "acme",
        "--idle-session-lifetime",
        "0.5",
        "--session-lifetime",
        "8",
        "--json",
    )
    assert code == 0, err
    after = json.loads(out)
    assert (after["idle_session_lifetime"], after["session_lifetime"]) == (0.5, 8)
    assert after["signup_enabled"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--idle-session-lifetime", "25"], "idle_session_lifetime must be from 1 min to 24 h"),
        (["--session-lifetime", "1000"], "session_lifetime must be from 5 min to 720 h"),
        (["--idle-session-lifetime", "nan"], "positive number of hours"),
        (["--session-lifetime", "-1"], "positive number of hours"),
        (["--idle-session-lifetime", "3", "--session-lifetime", "2"], "exceeds session_lifetime"),
    ],
)
def test_se03_tenant_set_refuses_bad_lifetimes(
    cli: CliRunner, args: list[str], message: str
) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, _, err = call(cli, "tenant", "set", "acme", "--signup", *args)
    assert code == 2 and message in err
    assert _settings(cli)["signup_enabled"] is False  # nothing was written


def test_jw01_tenant_set_default_signing_alg(cli: CliRunner) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    assert _settings(cli)["default_signing_alg"] == "RS256"
    code, out, err = call(cli, "tenant", "set", "acme", "--default-signing-alg", "ES256", "--json")
    assert code == 0, err
    assert json.loads(out)["default_signing_alg"] == "ES256"
    assert json.loads(out)["default_signing_alg_from"] is not None  # JW-04: after caches
    code, out, _ = call(cli, "key", "list", "--tenant", "acme", "--json")
    assert code == 0
    assert {k["alg"] for k in json.loads(out)} >= {"ES256"}
    for bad in ("none", "HS256", "es256"):
        code, _, err = call(cli, "tenant", "set", "acme", "--default-signing-alg", bad)
        assert code == 2 and "default_signing_alg must be one of" in err


def test_se03_jw01_apply_sets_tenant_settings_idempotently(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "tier0.yaml"
    path.write_text(
        "tenants:\n"
        "  - name: acme\n"
        "    idle_session_lifetime: 0.5\n"
        "    session_lifetime: 12\n"
        "    default_signing_alg: EdDSA\n"
    )
    code, out, err = call(cli, "apply", str(path))
    assert code == 0, err
    assert "updated tenant_settings" in out
    settings = _settings(cli)
    assert settings["idle_session_lifetime"] == 0.5
    assert settings["session_lifetime"] == 12
    assert settings["default_signing_alg"] == "EdDSA"
    code, out, _ = call(cli, "apply", str(path))
    assert code == 0 and "no changes" in out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("idle_session_lifetime: 48", "idle_session_lifetime must be from 1 min to 24 h"),
        ("session_lifetime: yes", "session_lifetime"),
        ("default_signing_alg: HS256", "default_signing_alg"),
        ("default_signing_alg: none", "default_signing_alg"),
    ],
)
def test_se03_jw01_apply_refuses_bad_tenant_settings(
    cli: CliRunner, tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "tier0.yaml"
    path.write_text(f"tenants:\n  - name: acme\n    {line}\n")
    code, _, err = call(cli, "apply", str(path))
    assert code == 2 and message in err
