"""`tier0 key list|rotate` (JW-04): JSON output, no key material, emergency needs --yes."""

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
    monkeypatch.setenv("TIER0_SIGNING_ALG", "ES256")
    monkeypatch.setenv("TIER0_JWKS_CACHE_TTL", "0")
    return CliRunner()


def call(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def keys_of(out: str) -> list[dict[str, Any]]:
    data = json.loads(out)
    assert isinstance(data, list)
    return data


def test_jw04_key_list_and_rotate(cli: CliRunner) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, out, _ = call(cli, "key", "list", "--tenant", "acme", "--json")
    assert code == 0 and keys_of(out) == []

    code, out, _ = call(cli, "key", "rotate", "--tenant", "acme", "--json")
    first = json.loads(out)
    assert code == 0 and first["alg"] == "ES256" and first["created"] == 2  # bootstrap
    active = next(k["kid"] for k in first["keys"] if k["state"] == "active")

    code, out, _ = call(cli, "key", "rotate", "-t", "acme", "--json")  # cache TTL is 0
    second = json.loads(out)
    assert code == 0 and second["retired"] == [active] and len(second["activated"]) == 1

    code, out, _ = call(cli, "key", "list", "-t", "acme", "--json")
    listed = keys_of(out)
    assert sorted(k["state"] for k in listed) == ["active", "next", "retired"]
    assert all(k["published"] for k in listed)
    for key in listed:
        assert set(key) == {
            "kid", "alg", "state", "published", "age", "age_seconds",
            "created_at", "activated_at", "retired_at", "not_after",
        }  # fmt: skip

    code, out, _ = call(cli, "key", "list", "-t", "acme")
    assert code == 0 and "KID" in out and active in out


def test_emergency_rotation_needs_confirmation(cli: CliRunner) -> None:
    call(cli, "tenant", "create", "acme")
    call(cli, "key", "rotate", "-t", "acme")
    code, _, err = call(cli, "key", "rotate", "-t", "acme", "--emergency")
    assert code == 2 and "--yes" in err
    code, out, _ = call(cli, "key", "rotate", "-t", "acme", "--emergency", "--yes", "--json")
    result = json.loads(out)
    assert code == 0 and result["emergency"] is True
    published = [k for k in result["keys"] if k["published"]]
    assert sorted(k["state"] for k in published) == ["active", "next"]


def test_errors_are_one_line(cli: CliRunner) -> None:
    code, _, err = call(cli, "key", "list", "-t", "nope")
    assert code == 2 and err.startswith("error:")
    call(cli, "tenant", "create", "acme")
    code, _, err = call(cli, "key", "rotate", "-t", "acme", "--alg", "HS256")
    assert code == 2 and "signing alg" in err


def test_jw04_key_revoke_withdraws_one_key_and_promotes_the_next(cli: CliRunner) -> None:
    call(cli, "tenant", "create", "acme")
    call(cli, "key", "rotate", "-t", "acme")
    code, out, _ = call(cli, "key", "list", "-t", "acme", "--json")
    before = {k["state"]: k["kid"] for k in keys_of(out)}
    code, _, err = call(cli, "key", "revoke", before["active"], "-t", "acme")
    assert code == 2 and "--yes" in err
    code, out, _ = call(cli, "key", "revoke", before["active"], "-t", "acme", "--yes", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["revoked"] == before["active"]
    assert result["activated"] == [before["next"]]
    published = {k["kid"]: k["state"] for k in result["keys"] if k["published"]}
    assert before["active"] not in published
    assert published[before["next"]] == "active"
    assert sorted(published.values()) == ["active", "next"]
    code, _, err = call(cli, "key", "revoke", before["active"], "-t", "acme", "--yes")
    assert code == 2 and "no such signing key" in err
