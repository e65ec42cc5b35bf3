"""The `tier0` command: JSON output, one-line errors with exit 2, secrets shown once and
stored hashed, and idempotent `tier0 apply` of the documented example."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tier0.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIER0_BCRYPT_COST", "10")
    return CliRunner()


def call(cli: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = cli.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def as_json(out: str) -> dict[str, object]:
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_create_commands_print_one_json_object(cli: CliRunner, tmp_path: Path) -> None:
    code, out, _ = call(cli, "tenant", "create", "acme", "--json")
    assert code == 0 and as_json(out)["issuer"] == "http://127.0.0.1:8000/t/acme"
    code, out, _ = call(
        cli, "app", "create", "-t", "acme", "--name", "web", "--type", "web",
        "--callback", "https://app.test/cb", "--json",
    )  # fmt: skip
    web = as_json(out)
    secret = str(web["client_secret"])
    assert code == 0 and len(secret) >= 43 and web["app_type"] == "regular_web"
    # The secret is shown once: never by `show`, and never stored in clear.
    code, out, _ = call(cli, "app", "show", str(web["client_id"]), "-t", "acme", "--json")
    assert code == 0 and "client_secret" not in as_json(out)
    assert secret.encode() not in (tmp_path / "data" / "tier0.db").read_bytes()
    code, out, _ = call(
        cli, "app", "create", "-t", "acme", "--name", "spa", "--type", "spa", "--json"
    )
    assert code == 0 and "client_secret" not in as_json(out)
    code, out, _ = call(
        cli, "api", "create", "-t", "acme", "--name", "Orders", "--identifier",
        "https://api.test/orders", "--scope", "read:orders", "--signing-alg", "ES256", "--json",
    )  # fmt: skip
    assert code == 0 and as_json(out)["signing_alg"] == "ES256"
    code, out, _ = call(
        cli, "app", "create", "-t", "acme", "--name", "m2m", "--type", "m2m", "--json"
    )
    m2m = as_json(out)["client_id"]
    code, out, _ = call(
        cli, "grant", "create", "-t", "acme", "--client-id", str(m2m),
        "--api", "https://api.test/orders", "--scope", "read:orders", "--json",
    )  # fmt: skip
    assert code == 0 and as_json(out)["scope"] == ["read:orders"]
    code, out, _ = call(
        cli, "user", "create", "-t", "acme", "--email", "a@example.com", "--password-stdin",
        "--verified", "--json", stdin="a long enough password\n",
    )  # fmt: skip
    user = as_json(out)
    assert code == 0 and user["email_verified"] is True
    assert "password" not in out and "hash" not in out
    for noun in ("app", "api", "grant", "user"):
        code, out, _ = call(cli, noun, "list", "-t", "acme", "--json")
        assert code == 0 and len(json.loads(out)) >= 1


@pytest.mark.parametrize(
    "args",
    [
        ("tenant", "create", "Bad_Name"),
        ("app", "create", "-t", "missing", "--name", "x", "--type", "web"),
        ("app", "create", "-t", "acme", "--name", "x", "--type", "toaster"),
        (
            "app",
            "create",
            "-t",
            "acme",
            "--name",
            "x",
            "--type",
            "web",
            "--callback",
            "http://evil.test/",
        ),
        (
            "api",
            "create",
            "-t",
            "acme",
            "--name",
            "x",
            "--identifier",
            "u",
            "--signing-alg",
            "HS256",
        ),
        ("grant", "create", "-t", "acme", "--client-id", "nope", "--api", "u"),
        ("user", "create", "-t", "acme", "--email", "not-an-email"),
        ("user", "show", "auth0|nobody", "-t", "acme"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli: CliRunner, args: tuple[str, ...]) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    before = call(cli, "app", "list", "-t", "acme", "--json")[1]
    code, out, err = call(cli, *args)
    assert code == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert call(cli, "app", "list", "-t", "acme", "--json")[1] == before  # nothing written


def test_duplicates_are_refused(cli: CliRunner) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, _, err = call(cli, "tenant", "create", "acme")
    assert code == 2 and "already exists" in err
    assert call(cli, "app", "create", "-t", "acme", "--name", "w", "--type", "m2m")[0] == 0
    code, _, err = call(cli, "app", "create", "-t", "acme", "--name", "w", "--type", "m2m")
    assert code == 2 and "already exists" in err


def _example(tmp_path: Path) -> Path:
    doc = (ROOT / "docs" / "config-as-code.md").read_text(encoding="utf-8")
    match = re.search(r"```yaml\n(.*?)```", doc, re.S)
    assert match, "docs/config-as-code.md has no YAML example"
    path = tmp_path / "tier0.yaml"
    path.write_text(match.group(1), encoding="utf-8")
    return path


def test_apply_documented_example_twice(cli: CliRunner, tmp_path: Path) -> None:
    example = _example(tmp_path)
    code, out, err = call(cli, "apply", str(example), "--json")
    assert code == 0, err
    changes = json.loads(out)
    kinds = sorted({c["kind"] for c in changes})
    assert kinds == ["api", "application", "client_grant", "tenant", "tenant_settings", "user"]
    secrets = [c["client_secret"] for c in changes if "client_secret" in c]
    assert len(secrets) == 2  # web and m2m are confidential; the SPA is public
    code, out, _ = call(cli, "apply", str(example))
    assert code == 0 and out.strip() == "no changes: everything already matches the file"
    # Change one thing: only that is reported.
    example.write_text(example.read_text().replace("token_lifetime: 600", "token_lifetime: 900"))
    code, out, _ = call(cli, "apply", str(example), "--json")
    assert code == 0 and [(c["action"], c["kind"]) for c in json.loads(out)] == [("updated", "api")]


def test_apply_with_secrets_in_file_is_idempotent(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "tenants": [
                    {
                        "name": "beta",
                        "applications": [{"name": "svc", "type": "m2m", "client_secret": "s" * 40}],
                        "users": [{"email": "b@example.com", "password": "correct horse battery"}],
                    }
                ]
            }
        )
    )
    assert call(cli, "apply", str(path))[0] == 0
    code, out, _ = call(cli, "apply", str(path))
    assert code == 0 and out.startswith("no changes")
    path.write_text(path.read_text().replace("s" * 40, "t" * 40))
    code, out, _ = call(cli, "apply", str(path), "--json")
    assert [c["kind"] for c in json.loads(out)] == ["client_secret"]


def test_apply_rejects_unknown_fields(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("tenants:\n  - name: acme\n    colour: blue\n")
    code, _, err = call(cli, "apply", str(path))
    assert code == 2 and "colour" in err


def test_id_token_algorithm_from_the_cli_and_apply(cli: CliRunner, tmp_path: Path) -> None:
    """`tier0 app create --id-token-alg` and `id_token_alg` in `tier0 apply`; RS256 when
    unset, and never an HMAC (JW-01)."""
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, out, _ = call(
        cli, "app", "create", "-t", "acme", "--name", "spa", "--type", "spa",
        "--callback", "https://app.test/cb", "--id-token-alg", "ES256", "--json",
    )  # fmt: skip
    assert code == 0 and as_json(out)["id_token_signed_response_alg"] == "ES256"
    code, _, err = call(
        cli, "app", "create", "-t", "acme", "--name", "bad", "--type", "spa",
        "--id-token-alg", "HS256",
    )  # fmt: skip
    assert code == 2 and "id_token_signed_response_alg" in err
    path = tmp_path / "c.yaml"
    path.write_text("tenants:\n  - name: beta\n    applications:\n      - {name: web, type: spa}\n")
    assert call(cli, "apply", str(path))[0] == 0
    path.write_text(path.read_text().replace("type: spa}", "type: spa, id_token_alg: EdDSA}"))
    code, out, _ = call(cli, "apply", str(path), "--json")
    assert code == 0 and [(c["action"], c["kind"]) for c in json.loads(out)] == [
        ("updated", "application")
    ]
    code, out, _ = call(cli, "app", "list", "-t", "beta", "--json")
    assert code == 0 and json.loads(out)[0]["id_token_signed_response_alg"] == "EdDSA"
