"""`tier0 kms ...`: rotate the key-encryption key and re-wrap tenant data keys (DP-01)."""

from __future__ import annotations

import typer

from tier0.cli.common import run
from tier0.container import Container

app = typer.Typer(help="Manage the key-encryption key (KMS).", no_args_is_help=True)


@app.command("status")
def status() -> None:
    """Show the KMS provider and the id of the current key-encryption key."""

    async def work(c: Container) -> None:
        typer.echo(f"provider: {c.settings.kms}")
        typer.echo(f"current key: {c.kms.current_key_id}")

    run(work)


@app.command("rotate")
def rotate() -> None:
    """Create a new key-encryption key and make it current (old ones still unwrap).

    Run `tier0 kms rewrap` afterwards to move every data key onto the new one."""

    async def work(c: Container) -> None:
        key_id = await c.kms.rotate()
        typer.echo(f"current key-encryption key: {key_id}")

    run(work)


@app.command("rewrap")
def rewrap() -> None:
    """Re-wrap every tenant data key under the current key-encryption key.

    The data keys themselves do not change, so every sealed value (signing keys, PII,
    stored secrets) stays readable without being touched."""

    async def work(c: Container) -> None:
        count = await c.keyring.rewrap_all()
        typer.echo(f"re-wrapped {count} data key(s) under {c.kms.current_key_id}")

    run(work)
