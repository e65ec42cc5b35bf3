"""Bulk user import (Auth0's bulk-import JSON): `tier0 user import` and the API job.

Bad records are reported by index with a reason; good ones are created; a user whose email
already exists in the tenant is counted as ``existing`` and left alone, so running the same
file twice gives the same users and the same report (idempotent). Imported password hashes
are kept as they are and replaced by a policy hash at the user's first sign-in (PW-02).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tier0.audit.changes import ChangedBy
from tier0.domain import Tenant
from tier0.errors import Conflict, InvalidInput
from tier0.services.users import UserService, UserSpec
from tier0.users.bulk_import import (
    ImportFileError,
    ImportProblem,
    ImportRecord,
    parse_import_file,
)


@dataclass(frozen=True)
class ImportSummary:
    """Counts as Auth0's job summary has them, plus ``existing`` and the problems."""

    total: int
    inserted: int
    existing: int
    problems: tuple[ImportProblem, ...]

    @property
    def failed(self) -> int:
        return len(self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "inserted": self.inserted,
            "existing": self.existing,
            "failed": self.failed,
            "errors": [
                {"index": p.index, "code": p.code, "message": p.reason} for p in self.problems
            ],
        }


def _spec(record: ImportRecord) -> UserSpec:
    strings = record.strings
    return UserSpec(
        email=record.email,
        email_verified=record.email_verified,
        user_id=record.user_id,
        password_hash=record.password_hash,
        username=strings.get("username"),
        name=strings.get("name"),
        given_name=strings.get("given_name"),
        family_name=strings.get("family_name"),
        nickname=strings.get("nickname"),
        picture=strings.get("picture"),
        blocked=record.blocked,
        user_metadata=record.user_metadata,
        app_metadata=record.app_metadata,
    )


class UserImportService:
    def __init__(self, users: UserService) -> None:
        self._users = users

    async def run(
        self, tenant: Tenant, raw: bytes, *, by: ChangedBy, ndjson: bool = False
    ) -> ImportSummary:
        """Import one file into ``tenant``; raise :class:`InvalidInput` if it is unusable.
        ``ndjson``: also take one user a line (the CLI; Auth0's API takes arrays only).
        Each created user is audited as ``by`` in the transaction that creates it."""
        try:
            records, problems = parse_import_file(raw, ndjson=ndjson)
        except ImportFileError as exc:
            raise InvalidInput(str(exc)) from None
        total = len(records) + len(problems)  # every array element, good or bad
        inserted = existing = 0
        for record in records:
            if await self._users.find_by_email(tenant, record.email) is not None:
                existing += 1
                continue
            try:
                await self._users.create(tenant, _spec(record), by=by)
                inserted += 1
            except Conflict as exc:
                problems.append(ImportProblem(record.index, "CONFLICT", exc.message))
            except InvalidInput as exc:
                problems.append(ImportProblem(record.index, "FORMAT", exc.message))
        return ImportSummary(
            total=total,
            inserted=inserted,
            existing=existing,
            problems=tuple(sorted(problems, key=lambda p: p.index)),
        )
