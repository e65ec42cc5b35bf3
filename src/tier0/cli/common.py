"""What every CLI command shares: building the container, printing, and error handling.

Expected failures (bad input, a duplicate, a missing object, a bad setting) print one line
on stderr and exit with status 2, and write nothing. Created objects print as one JSON
object on stdout with `--json`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError

from tier0.container import Container
from tier0.crypto.kms.base import KmsError
from tier0.errors import Tier0Error
from tier0.settings import Settings

T = TypeVar("T")

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")
TenantOption = typer.Option(..., "--tenant", "-t", help="Tenant name.")


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        fail(f"invalid setting TIER0_{where.upper()}: {first['msg']}")


def run(work: Callable[[Container], Awaitable[T]], *, settings: Settings | None = None) -> T:
    """Build a container, bring the schema up to date, run ``work`` and close everything."""

    async def _main() -> T:
        try:
            container = Container.build(settings or load_settings())
        except KmsError as exc:
            fail(str(exc))
        try:
            await container.migrate()
            return await work(container)
        finally:
            await container.close()

    try:
        return asyncio.run(_main())
    except Tier0Error as exc:
        fail(exc.message)
    except KmsError as exc:
        fail(str(exc))


def emit(obj: Mapping[str, Any], *, as_json: bool) -> None:
    """Print one object: JSON on one line, or `key: value` lines for people."""
    if as_json:
        typer.echo(json.dumps(obj, ensure_ascii=False, sort_keys=True))
        return
    for key, value in obj.items():
        if value is None or value == [] or value == {}:
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        typer.echo(f"{key}: {shown}")


def emit_list(items: Iterable[Mapping[str, Any]], *, as_json: bool, columns: list[str]) -> None:
    """Print a list: a JSON array, or one aligned row per item."""
    rows = list(items)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, sort_keys=True))
        return
    if not rows:
        typer.echo("(none)")
        return
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    typer.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        cells = [str(row.get(c, "") if row.get(c) is not None else "") for c in columns]
        typer.echo("  ".join(v.ljust(w) for v, w in zip(cells, widths, strict=True)))


def read_secret_from_stdin() -> str:
    """A password or secret piped on stdin (never on the command line, where `ps` shows it)."""
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        fail("nothing on standard input")
    return value
