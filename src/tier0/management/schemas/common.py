"""Shared pieces of the management API schemas."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tier0.domain import Permission

MAX_METADATA_BYTES = 16 * 1024
"""Auth0's limit for a metadata object; bounded so no caller can store megabytes per user."""
MAX_METADATA_DEPTH = 5

NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
"""Text without control characters: PostgreSQL refuses NUL in text, and no identifier,
name or URL needs a control character."""

Text = Annotated[str, Field(pattern=NO_CONTROL)]
Name = Annotated[str, Field(min_length=1, max_length=255, pattern=NO_CONTROL)]
ScopeToken = Annotated[
    str, Field(min_length=1, max_length=280, pattern=r"^[\x21\x23-\x5b\x5d-\x7e]+$")
]
Url = Annotated[str, Field(min_length=1, max_length=2048, pattern=NO_CONTROL)]
ObjectId = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL)]


class Strict(BaseModel):
    """A request body: unknown members are refused, not ignored (AC-04)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Out(BaseModel):
    """A response body."""

    model_config = ConfigDict(frozen=True)


def _depth(value: Any, level: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _bounded(value: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(value, separators=(",", ":"))
    if "\\u0000" in text:
        raise ValueError("metadata cannot hold NUL characters")
    if len(text) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata is limited to {MAX_METADATA_BYTES} bytes")
    if _depth(value) > MAX_METADATA_DEPTH:
        raise ValueError(f"metadata nests at most {MAX_METADATA_DEPTH} levels")
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_bounded)]


class PermissionIn(Strict):
    resource_server_identifier: Annotated[
        str, Field(min_length=1, max_length=600, pattern=NO_CONTROL)
    ]
    permission_name: ScopeToken


class PermissionOut(Out):
    resource_server_identifier: str
    permission_name: str


class PermissionsBody(Strict):
    permissions: Annotated[list[PermissionIn], Field(min_length=1, max_length=100)]

    def as_permissions(self) -> list[Permission]:
        return [
            Permission(p.resource_server_identifier, p.permission_name) for p in self.permissions
        ]


def permission_views(held: Iterable[Permission]) -> list[dict[str, str]]:
    """Permissions as Auth0 answers them (roles' and users' alike)."""
    return [
        {
            "resource_server_identifier": p.resource_server_identifier,
            "permission_name": p.permission_name,
        }
        for p in held
    ]


class PageInfo(Out):
    """Auth0's `include_totals=true` envelope members."""

    start: int
    limit: int
    length: int
    total: int
