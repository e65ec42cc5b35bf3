"""The `tier0` command line."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from tier0 import __version__
from tier0.cli import (
    apis,
    apps,
    audit,
    grants,
    incident,
    key_schedule,
    keys,
    kms,
    privacy,
    protection,
    secrets,
    sessions,
    streams,
    tenants,
    users,
)
from tier0.cli.apply import apply
from tier0.cli.doctor import doctor, kek_app
from tier0.cli.serve import migrate, serve
from tier0.docs_gen import PAGES
from tier0.logs import ensure_logging

app = typer.Typer(
    name="tier0",
    help="tier0: a security-first, self-hosted identity platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve)
app.command("migrate")(migrate)
app.command("apply")(apply)
app.command("doctor")(doctor)
app.add_typer(kek_app, name="kek")
app.add_typer(tenants.app, name="tenant")
app.add_typer(apps.app, name="app")
app.add_typer(apis.app, name="api")
app.add_typer(grants.app, name="grant")
app.add_typer(users.app, name="user")
app.add_typer(protection.app, name="protection")
app.add_typer(protection.ip_app, name="ip")
app.add_typer(keys.app, name="key")
app.add_typer(kms.app, name="kms")
app.add_typer(secrets.app, name="secret")
privacy.register(users.app, tenants.app)
key_schedule.register(keys.app)
app.add_typer(audit.audit_app, name="audit")
app.add_typer(audit.log_app, name="log")
app.add_typer(streams.stream_app, name="stream")
app.add_typer(streams.relay_app, name="relay")
app.add_typer(incident.app, name="incident")
app.add_typer(sessions.app, name="session")


@app.command("docs")
def docs(
    root: Path = typer.Option(Path("."), "--root", help="Repository root to write into."),
) -> None:
    """Regenerate the generated pages under docs/."""
    for relative, render in PAGES.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(), encoding="utf-8")
        typer.echo(f"wrote {relative}")


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    # `serve` reconfigures at the settings' level; every other command logs JSON lines at
    # info (the relay, jobs) rather than through structlog's development renderer.
    level = os.environ.get("TIER0_LOG_LEVEL", "info").lower()
    # A bad value is reported by Settings when a command loads them; logging starts anyway.
    ensure_logging(level if level in {"debug", "info", "warning", "error"} else "info")
    app()
