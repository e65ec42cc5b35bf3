"""The users-export file of ``POST /jobs/users-exports``, written by the same streaming
exporter as `tier0 user export` (:class:`tier0.users.bulk_export.BulkExporter`).

Auth0's ``json`` export is newline-delimited JSON; ``csv`` has one column per field. Without
``fields`` the file holds the bulk-import fields, so it imports again as it is. The job adds
what Auth0's export job has on top: ``export_as`` renames and a ``limit``. The management API
never exports password hashes (AC-04: no response carries a hash). The file is gzipped, as
Auth0's ``<tenant>.json.gz`` / ``.csv.gz`` is.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tier0.audit.event import Actor
from tier0.domain import Tenant
from tier0.users.bulk_export import BulkExporter, ExportFormat, parse_fields

#: Auth0's job formats, as the CLI exporter names them.
FORMATS: Mapping[str, ExportFormat] = {"json": ExportFormat.NDJSON, "csv": ExportFormat.CSV}


@dataclass(frozen=True, slots=True)
class ExportField:
    name: str
    export_as: str


def export_fields(fmt: str, fields: Sequence[Mapping[str, str | None]]) -> list[ExportField]:
    """The fields of an export job, checked by the exporter's rules (InvalidInput if not)."""
    names = parse_fields(",".join(f["name"] or "" for f in fields), FORMATS[fmt])
    renames = {f["name"]: f.get("export_as") for f in fields}
    return [ExportField(name, renames.get(name) or name) for name in names]


def _renamed_header(line: str, fields: Sequence[ExportField]) -> str:
    names = {f.name: f.export_as for f in fields}
    out = io.StringIO()
    header = next(csv.reader([line]))
    csv.writer(out, lineterminator="\n").writerow([names.get(h, h) for h in header])
    return out.getvalue()


async def export_users(
    exporter: BulkExporter,
    tenant: Tenant,
    *,
    fmt: str,
    fields: Sequence[ExportField],
    limit: int | None,
    actor: Actor,
) -> tuple[bytes, int]:
    """The gzipped export file and how many users it holds."""
    kind = FORMATS[fmt]
    buffer = io.StringIO()
    count = 0
    lines = exporter.lines(
        tenant,
        fmt=kind,
        fields=[f.name for f in fields],
        include_password_hashes=False,
        actor=actor,
    )
    first = kind is ExportFormat.CSV
    async for line in lines:
        # The stream is read to its end even past ``limit``, so the exporter records its
        # ``export.completed`` event; only the first ``limit`` users are kept.
        if first:
            buffer.write(_renamed_header(line, fields))
            first = False
            continue
        if limit is not None and count >= limit:
            continue
        if kind is ExportFormat.NDJSON:
            record = json.loads(line)
            renames = {f.name: f.export_as for f in fields}
            line = json.dumps({renames.get(k, k): v for k, v in record.items()}) + "\n"
        buffer.write(line)
        count += 1
    return gzip.compress(buffer.getvalue().encode("utf-8"), mtime=0), count
