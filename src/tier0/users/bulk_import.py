"""Parse an Auth0 bulk user import file (a JSON array of user objects).

Every record is checked on its own: a bad one is reported by its index with a code and a
reason (Auth0's job error codes: ``FORMAT``, ``DUPLICATED_USER``, ...) and the good ones go
through. Password hashes are turned into their stored form here, at parse time:

- ``password_hash``: bcrypt ``$2a$``/``$2b$`` only (as Auth0 documents), stored as is; the
  hasher verifies it natively and upgrades it to the policy at the first sign-in (PW-02).
- ``custom_password_hash``: parsed by :mod:`tier0.users.imported_hashes` and stored as a
  ``tier0-import$`` string, replaced by a policy hash at the first successful sign-in.

Neither the hashes nor the emails appear in a problem's reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tier0.domain.users import normalize_email
from tier0.users.imported_hashes import (
    ImportFormatError,
    parse_custom_password_hash,
    to_stored,
)

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_METADATA_BYTES = 16 * 1024
_AUTH0_BCRYPT = re.compile(r"\A\$2[ab]\$\d\d\$[./A-Za-z0-9]{53}\Z")
_STRING_FIELDS = ("username", "given_name", "family_name", "name", "nickname", "picture")
_KNOWN = {
    "email", "email_verified", "user_id", "blocked", "app_metadata", "user_metadata",
    "password_hash", "custom_password_hash", "mfa_factors", "phone_number", "phone_verified",
    *_STRING_FIELDS,
}  # fmt: skip
# Auth0 refuses these in app_metadata; they would shadow the user's own attributes.
_RESERVED_APP_METADATA = {
    "__tenant", "_id", "blocked", "clientID", "created_at", "email_verified", "email",
    "globalClientID", "global_client_id", "identities", "lastIP", "lastLogin", "loginsCount",
    "metadata", "multifactor_last_modified", "multifactor", "updated_at", "user_id",
}  # fmt: skip


@dataclass(frozen=True)
class ImportRecord:
    """One valid user from the file, ready for the user service."""

    index: int
    email: str
    email_verified: bool = False
    user_id: str | None = None
    blocked: bool = False
    strings: Mapping[str, str] = field(default_factory=dict)
    user_metadata: Mapping[str, Any] = field(default_factory=dict)
    app_metadata: Mapping[str, Any] = field(default_factory=dict)
    password_hash: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ImportProblem:
    """Why the record at ``index`` (0-based, in file order) was not imported."""

    index: int
    code: str
    reason: str


class ImportFileError(ValueError):
    """The file as a whole is unusable (not JSON, not an array, too large)."""


class _Bad(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def parse_import_file(
    raw: bytes, *, ndjson: bool = False
) -> tuple[list[ImportRecord], list[ImportProblem]]:
    """Split a file into valid records and per-index problems. Auth0's import (and the
    management API's job) takes a JSON array; with ``ndjson`` one user a line is taken too."""
    if len(raw) > MAX_FILE_BYTES:
        raise ImportFileError(f"import files are limited to {MAX_FILE_BYTES} bytes")
    data = _users_of(raw, ndjson=ndjson)
    records: list[ImportRecord] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        try:
            record = parse_record(index, item)
            for key in (f"email:{record.email}", f"id:{record.user_id}" if record.user_id else ""):
                if key and key in seen:
                    raise _Bad("DUPLICATED_USER", f"same user as record {seen[key]}")
            seen[f"email:{record.email}"] = index
            if record.user_id:
                seen[f"id:{record.user_id}"] = index
            records.append(record)
        except _Bad as bad:
            problems.append(ImportProblem(index, bad.code, bad.reason))
    return records, problems


def _users_of(raw: bytes, *, ndjson: bool) -> list[Any]:
    """A JSON array (Auth0's import file) or, if allowed, NDJSON: one user a line (what
    `tier0 user export` writes by default, so an export imports again as it is)."""
    try:
        text = raw.decode("utf-8")
        if not ndjson or text.lstrip().startswith("["):
            data = json.loads(text)
        elif text.lstrip().startswith("{"):
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            raise ImportFileError("an import file is a JSON array or NDJSON of user objects")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"not valid JSON: {exc}") from None
    if not isinstance(data, list):
        shape = "a JSON array or NDJSON" if ndjson else "a JSON array"
        raise ImportFileError(f"an import file is {shape} of user objects")
    return data


def parse_record(index: int, item: object) -> ImportRecord:
    if not isinstance(item, Mapping):
        raise _Bad("INVALID_TYPE", "a user must be a JSON object")
    unknown = sorted(set(item) - _KNOWN)
    if unknown:
        raise _Bad("FORMAT", f"unknown field(s): {', '.join(unknown)}")
    for unsupported in ("mfa_factors", "phone_number", "phone_verified"):
        # Dropping MFA factors silently would weaken the account: refuse the record instead.
        if unsupported in item:
            raise _Bad("FORMAT", f"{unsupported} is not supported by tier0 imports")
    return ImportRecord(
        index=index,
        email=_email(item.get("email")),
        email_verified=_bool(item, "email_verified"),
        user_id=_user_id(item.get("user_id")),
        blocked=_bool(item, "blocked"),
        strings={k: _string(item, k) for k in _STRING_FIELDS if item.get(k) is not None},
        user_metadata=_metadata(item, "user_metadata"),
        app_metadata=_app_metadata(item),
        password_hash=_password(item),
    )


def _email(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("FORMAT", "email is required")
    email = normalize_email(value)
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(email) > 254
        or any(c.isspace() for c in email)
    ):
        raise _Bad("FORMAT", "email is not a valid address")
    return email


def _bool(item: Mapping[str, Any], name: str) -> bool:
    value = item.get(name, False)
    if not isinstance(value, bool):
        raise _Bad("FORMAT", f"{name} must be true or false")
    return value


def _string(item: Mapping[str, Any], name: str) -> str:
    value = item[name]
    if not isinstance(value, str) or not value or len(value) > 300:
        raise _Bad("FORMAT", f"{name} must be a string of 1 to 300 characters")
    return value


def _user_id(value: object) -> str | None:
    """Auth0 prefixes imported ids with ``auth0|``; so do we (unless already there)."""
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.@|-]{1,200}", value):
        raise _Bad("FORMAT", "user_id must be 1-200 letters, digits or _.@|-")
    return value if value.startswith("auth0|") else f"auth0|{value}"


def _metadata(item: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = item.get(name, {})
    if not isinstance(value, dict):
        raise _Bad("FORMAT", f"{name} must be an object")
    if len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise _Bad("FORMAT", f"{name} is larger than {MAX_METADATA_BYTES} bytes")
    return value


def _app_metadata(item: Mapping[str, Any]) -> dict[str, Any]:
    value = _metadata(item, "app_metadata")
    reserved = sorted(set(value) & _RESERVED_APP_METADATA)
    if reserved:
        raise _Bad("FORMAT", f"app_metadata uses reserved key(s): {', '.join(reserved)}")
    return value


def _password(item: Mapping[str, Any]) -> str | None:
    plain, custom = item.get("password_hash"), item.get("custom_password_hash")
    if plain is not None and custom is not None:
        raise _Bad("FORMAT", "password_hash and custom_password_hash are mutually exclusive")
    if plain is not None:
        if not isinstance(plain, str) or not _AUTH0_BCRYPT.match(plain):
            raise _Bad("FORMAT", "password_hash must be a bcrypt $2a$ or $2b$ hash")
        return plain
    if custom is not None:
        try:
            return to_stored(parse_custom_password_hash(custom))
        except ImportFormatError as exc:
            raise _Bad("FORMAT", f"custom_password_hash: {exc.reason}") from None
    return None
