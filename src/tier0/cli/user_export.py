"""`tier0 user export`: stream every user of a tenant (see :mod:`tier0.users.bulk_export`)."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO

import typer

from tier0.cli.common import TenantOption, fail, run
from tier0.cli.secrets import operator
from tier0.container import Container
from tier0.users.bulk_export import BulkExporter, ExportFormat, parse_fields


def export_users(
    tenant: str = TenantOption,
    fmt: ExportFormat = typer.Option(
        ExportFormat.NDJSON, "--format", help="ndjson (one user a line), json (an array), csv."
    ),
    fields: str | None = typer.Option(
        None,
        "--fields",
        help="Comma-separated fields (default: Auth0's import fields); also created_at, "
        "updated_at, last_login, logins_count, last_ip, user_metadata.<key>.",
    ),
    include_password_hashes: bool = typer.Option(
        False,
        "--include-password-hashes",
        help="Also export password hashes in Auth0's import format (audited).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this new file (mode 0600) instead of stdout."
    ),
) -> None:
    """Export the tenant's users, streamed; `tier0 user import` takes the ndjson and json
    output back. Hashes only with --include-password-hashes."""
    if output is not None and (output.exists() or output.is_symlink()):
        fail(f"{output} exists; the export never overwrites a file")

    async def work(c: Container) -> None:
        chosen = parse_fields(fields, fmt)
        t = await c.tenants.get(tenant)
        exporter = BulkExporter(c.db, c.audit, c.clock)
        lines = exporter.lines(
            t,
            fmt=fmt,
            fields=chosen,
            include_password_hashes=include_password_hashes,
            actor=operator(),
        )
        if output is None:
            await _write(lines, sys.stdout)
        else:
            # O_EXCL: never overwrite (or follow a planted link to) an existing file.
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                await _write(lines, handle)
        if exporter.not_portable:
            typer.echo(
                f"warning: {exporter.not_portable} user(s) exported without their hash (a "
                "password over 72 bytes has no import form); they reset their password",
                err=True,
            )

    run(work)


async def _write(lines: AsyncIterator[str], out: TextIO) -> None:
    async for line in lines:
        out.write(line)
    out.flush()
