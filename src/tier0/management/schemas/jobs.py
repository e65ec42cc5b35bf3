"""Bulk user jobs in Auth0's shapes: the multipart import form, the export body and the job."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import UploadFile
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tier0.management.schemas.common import NO_CONTROL, Out, Strict
from tier0.users.bulk_export import EXTRA_FIELDS, IMPORT_FIELDS

ConnectionId = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL)]
_USER_FIELDS = frozenset((*IMPORT_FIELDS, *EXTRA_FIELDS))
_PATH = re.compile(r"(user_metadata|app_metadata)(\.[A-Za-z0-9_-]{1,100}){1,4}")


def _unsupported(value: bool) -> bool:
    if value:
        raise ValueError("is not supported by tier0 imports; send false or leave it out")
    return value


Unsupported = Annotated[bool, AfterValidator(_unsupported)]


def _known_field(name: str) -> str:
    if name not in _USER_FIELDS and not _PATH.fullmatch(name):
        raise ValueError("not an exportable user field")
    return name


class UsersImport(BaseModel):
    """Auth0's import form: `users` is the JSON array file (at most 500 KB)."""

    model_config = ConfigDict(extra="forbid")

    users: UploadFile
    connection_id: ConnectionId
    upsert: Unsupported = Field(False, description="Upsert is not supported: `false` only.")
    external_id: Annotated[str, Field(max_length=128, pattern=NO_CONTROL)] | None = None
    send_completion_email: Unsupported = Field(False, description="Not supported: `false`.")


class ExportFieldIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_known_field)]
    export_as: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_CONTROL)] | None = None


class UsersExport(Strict):
    """Auth0's export body. `fields` picks and renames user fields (dot paths reach into
    metadata); a CSV export cannot take a whole metadata object."""

    connection_id: ConnectionId | None = None
    format: Literal["json", "csv"] = "json"
    limit: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    fields: Annotated[list[ExportFieldIn], Field(max_length=30)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _csv_has_no_whole_objects(self) -> UsersExport:
        whole = {"user_metadata", "app_metadata"}
        if self.format == "csv" and whole & {f.name for f in self.fields}:
            raise ValueError("a CSV export takes metadata fields by path, not whole objects")
        return self


class JobOut(Out):
    id: str
    type: str
    status: str
    created_at: str | None
    connection_id: str | None = None
    external_id: str | None = None
    format: str | None = None
    limit: int | None = None
    fields: list[dict[str, Any]] | None = None
    summary: dict[str, Any] | None = None
    location: str | None = None
    time_left_seconds: int | None = None


class JobErrorDetail(Out):
    code: str
    message: str


class JobError(Out):
    """One import record that failed, by its 0-based index in the file (the record itself,
    with its email and hash, is not repeated)."""

    index: int
    errors: list[JobErrorDetail]
