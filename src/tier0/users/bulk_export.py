"""`tier0 user export`: every user of a tenant, streamed in pages, as NDJSON, JSON or CSV.

Memory stays bounded however many users there are: users are read in keyset pages of
:data:`PAGE` (creation order) and each line is handed to the caller before the next page is
read. The default fields are those of Auth0's bulk-import format (AUTH0-COMPAT.md §3), so
an NDJSON or JSON export imports again with `tier0 user import` (a round trip). Password
hashes leave only with ``include_password_hashes``, as ``password_hash`` (bcrypt) or
``custom_password_hash`` (argon2id, not-yet-upgraded imports), and only in the JSON formats;
the request is recorded as an ``export.requested`` event saying so, before the first line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.domain import Tenant, User
from tier0.errors import InvalidInput
from tier0.storage.ports import Database
from tier0.users.export_hashes import NotPortable, exported_password
from tier0.views import iso

__all__ = ["IMPORT_FIELDS", "BulkExporter", "ExportFormat", "parse_fields"]

PAGE: Final = 500
IMPORT_FIELDS: Final = (
    "user_id", "email", "email_verified", "username", "given_name", "family_name", "name",
    "nickname", "picture", "blocked", "user_metadata", "app_metadata",
)  # fmt: skip
#: Auth0 export fields that the import format does not take (an export with them is a
#: report, not a migration file).
EXTRA_FIELDS: Final = ("created_at", "updated_at", "last_login", "logins_count", "last_ip")
_METADATA = ("user_metadata.", "app_metadata.")
_CSV_MAX_FIELDS = 30  # Auth0's limit for CSV exports


class ExportFormat(StrEnum):
    NDJSON = "ndjson"
    JSON = "json"
    CSV = "csv"


def parse_fields(spec: str | None, fmt: ExportFormat) -> tuple[str, ...]:
    """The fields to export: the import fields by default (CSV: without whole metadata
    objects, which Auth0's CSV exports refuse too), or a comma-separated selection."""
    fields: tuple[str, ...]
    if not spec:
        fields = IMPORT_FIELDS
        if fmt is ExportFormat.CSV:
            fields = tuple(f for f in fields if not f.endswith("_metadata"))
        return fields
    fields = tuple(dict.fromkeys(f.strip() for f in spec.split(",") if f.strip()))
    for name in fields:
        if name not in IMPORT_FIELDS and name not in EXTRA_FIELDS and not _dotted(name):
            raise InvalidInput(f"unknown field {name!r}")
        if fmt is ExportFormat.CSV and name.endswith("_metadata"):
            raise InvalidInput(f"CSV exports take metadata by path ({name}.<key>), not whole")
    if fmt is ExportFormat.CSV and len(fields) > _CSV_MAX_FIELDS:
        raise InvalidInput(f"CSV exports take at most {_CSV_MAX_FIELDS} fields")
    return fields


def _dotted(name: str) -> bool:
    return name.startswith(_METADATA) and len(name.split(".", 1)[1]) > 0


def _value(user: User, name: str) -> Any:
    if _dotted(name):
        section, key = name.split(".", 1)
        return dict(getattr(user, section)).get(key)
    value = getattr(user, name)
    if isinstance(value, datetime):
        return iso(value)
    return dict(value) if name.endswith("_metadata") else value


def _record(user: User, fields: Sequence[str]) -> dict[str, Any]:
    return {name: value for name in fields if (value := _value(user, name)) is not None}


class BulkExporter:
    """Streams a tenant's users and records the export in the audit log."""

    def __init__(self, db: Database, audit: AuditLog, clock: Clock) -> None:
        self._db = db
        self._audit = audit
        self._clock = clock
        self.not_portable = 0
        """Users of the last export whose hash no import format can carry (left out)."""

    def _with_hash(self, record: dict[str, Any], user: User) -> dict[str, Any]:
        try:
            return record | exported_password(user.password_hash)
        except NotPortable:
            self.not_portable += 1
            return record

    async def _event(self, kind: EventType, tenant: Tenant, actor: Actor, **details: Any) -> None:
        await self._audit.emit(
            SecurityEvent.create(
                kind,
                clock=self._clock,
                tenant_id=tenant.id,
                actor=actor,
                subject=Subject.of("tenant", tenant.id),
                details=details,
            )
        )

    async def _users(self, tenant: Tenant) -> AsyncIterator[User]:
        after: tuple[datetime, str] | None = None
        while True:
            async with self._db.read() as uow:
                page = await uow.users.list_after(tenant.id, after, limit=PAGE)
            for user in page:
                yield user
            last = page[-1] if page else None
            if last is None or last.created_at is None or len(page) < PAGE:
                return
            after = (last.created_at, last.user_id)

    async def lines(
        self,
        tenant: Tenant,
        *,
        fmt: ExportFormat,
        fields: Sequence[str],
        include_password_hashes: bool,
        actor: Actor,
    ) -> AsyncIterator[str]:
        """The export, a line (with its newline) at a time."""
        if include_password_hashes and fmt is ExportFormat.CSV:
            raise InvalidInput("password hashes are exported only as ndjson or json")
        await self._event(
            EventType.EXPORT_REQUESTED,
            tenant,
            actor,
            format=str(fmt),
            fields=list(fields),
            hashes=include_password_hashes,
        )
        count = self.not_portable = 0
        if fmt is ExportFormat.CSV:
            yield _csv_row(fields)
        elif fmt is ExportFormat.JSON:
            yield "[\n"
        async for user in self._users(tenant):
            if fmt is ExportFormat.CSV:
                yield _csv_row([_csv_cell(_value(user, name)) for name in fields])
            else:
                record = _record(user, fields)
                if include_password_hashes:
                    record = self._with_hash(record, user)
                text = json.dumps(record, ensure_ascii=False, sort_keys=True)
                separator = ",\n" if fmt is ExportFormat.JSON and count else ""
                yield separator + text + ("" if fmt is ExportFormat.JSON else "\n")
            count += 1
        if fmt is ExportFormat.JSON:
            yield "\n]\n"
        await self._event(
            EventType.EXPORT_COMPLETED,
            tenant,
            actor,
            users=count,
            hashes=include_password_hashes,
            hashes_left_out=self.not_portable,
        )


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _csv_row(cells: Sequence[str]) -> str:
    out = io.StringIO()
    # Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe
    # (OWASP CSV injection): a user's own name must not become a command on the operator's
    # machine.
    csv.writer(out, lineterminator="\n").writerow([_defused(cell) for cell in cells])
    return out.getvalue()


def _defused(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
