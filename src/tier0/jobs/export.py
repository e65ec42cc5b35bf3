"""The users-export file, in Auth0's bulk-export format (``POST /jobs/users-exports``).

``json`` is newline-delimited JSON, one user per line; ``csv`` has one column per field.
Fields are Auth0's user fields (dot paths reach into metadata) renamed by ``export_as``;
without ``fields`` a JSON export holds every field of the user's management view and a CSV
export the scalar ones (Auth0: CSV exports take no whole metadata objects). The file is
gzipped, as Auth0's ``<tenant>.json.gz`` / ``.csv.gz`` is. No password hash, MFA secret or
other secret can be exported: only :func:`tier0.views.user_view` fields exist here.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from tier0.domain import User
from tier0.views import user_view

CSV_DEFAULT: Final = (
    "user_id", "email", "email_verified", "username", "name", "given_name", "family_name",
    "nickname", "picture", "blocked", "created_at", "updated_at", "last_login", "logins_count",
)  # fmt: skip
MAX_FIELDS: Final = 30  # Auth0's CSV limit, kept for both formats


@dataclass(frozen=True, slots=True)
class ExportField:
    name: str
    export_as: str


def _pick(view: Mapping[str, Any], path: str) -> Any:
    value: Any = view
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    text = str(value)
    # A cell starting with = + - @ is a formula to spreadsheets (CSV injection): quote it.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_users(
    users: AsyncIterator[User], fmt: str, fields: Sequence[ExportField]
) -> tuple[bytes, int]:
    """The gzipped export file and how many users it holds."""
    if fmt == "csv" and not fields:
        fields = [ExportField(name, name) for name in CSV_DEFAULT]
    buffer = io.StringIO()
    writer = csv.writer(buffer) if fmt == "csv" else None
    if writer is not None:
        writer.writerow([f.export_as for f in fields])
    count = 0
    async for user in users:
        view = user_view(user)
        row = {f.export_as: _pick(view, f.name) for f in fields} if fields else view
        if writer is not None:
            writer.writerow([_csv_cell(v) for v in row.values()])
        else:
            buffer.write(json.dumps(row, separators=(",", ":"), sort_keys=True) + "\n")
        count += 1
    return gzip.compress(buffer.getvalue().encode("utf-8"), mtime=0), count
