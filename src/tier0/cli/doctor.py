"""`tier0 doctor` (the security posture of the configuration) and `tier0 kek init`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from pydantic import ValidationError

from tier0.crypto.kms.base import KmsError
from tier0.crypto.kms.local import LocalKms
from tier0.posture import Finding, Severity, assess
from tier0.settings import Settings

kek_app = typer.Typer(help="Manage the local key-encryption-key file.", no_args_is_help=True)

_MARK = {Severity.OK: "ok  ", Severity.WARN: "warn", Severity.FAIL: "FAIL"}


def _print(findings: list[Finding], *, as_json: bool) -> None:
    if as_json:
        rows = [
            {"check": f.check, "severity": str(f.severity), "message": f.message, "fix": f.fix}
            for f in findings
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    for f in findings:
        typer.echo(f"{_MARK[f.severity]}  {f.check:<10} {f.message}")
        if f.fix:
            typer.echo(f"      {'':<10} fix: {f.fix}")


def doctor(
    production: bool = typer.Option(
        False, "--production", help="Judge as production mode, whatever TIER0_MODE says."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Report the security posture of the configuration in the environment, with a fix for
    each finding. Exit status 1 when anything fails."""
    try:
        settings = Settings()
    except ValidationError as exc:
        findings = [
            Finding(
                "settings",
                Severity.FAIL,
                f"TIER0_{'.'.join(str(p) for p in e['loc']).upper() or 'SETTINGS'}: {e['msg']}",
                "correct the setting",
            )
            for e in exc.errors()
        ]
    else:
        findings = assess(settings, production=True if production else None)
    _print(findings, as_json=as_json)
    if any(f.severity is Severity.FAIL for f in findings):
        raise typer.Exit(code=1)


@kek_app.command("init")
def kek_init(
    path: Path = typer.Option(..., "--path", help="Where to create the key file (0600)."),
) -> None:
    """Create a key file with one fresh key-encryption key; an existing file is kept."""
    if path.exists():
        typer.echo(f"error: {path} already exists; not replacing a key", err=True)
        raise typer.Exit(code=2)
    try:
        LocalKms.open(path, create=True)
    except KmsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"created {path}; set TIER0_KEY_FILE={path} and back it up apart from the data")
