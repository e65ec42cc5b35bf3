"""What a caller hands the user service: the creation spec, the partial update (Auth0's
PATCH rules) and the cheap password-shape checks run before any hashing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tier0.domain import User
from tier0.errors import InvalidInput
from tier0.services.validation import validate_name

MAX_PASSWORD_BYTES = 1024
"""Hard cap checked before any hashing: a megabyte "password" must cost nothing (PW-04)."""
MIN_PASSWORD_LENGTH = 8


class InvalidCredentials(Exception):
    """Wrong email or password, an unknown account or a blocked one: one answer for all."""

    def __init__(self) -> None:
        super().__init__("wrong email or password")


def new_user_id() -> str:
    """Auth0-shaped ids (`auth0|` + 24 hex digits), so apps that parse them keep working."""
    return "auth0|" + secrets.token_hex(12)


def check_password_shape(password: str) -> None:
    """The cheap checks every password passes before it is hashed."""
    if len(password.encode("utf-8", errors="surrogatepass")) > MAX_PASSWORD_BYTES:
        raise InvalidInput(f"a password can have at most {MAX_PASSWORD_BYTES} bytes")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


@dataclass(frozen=True, slots=True)
class UserSpec:
    email: str
    password: str | None = field(default=None, repr=False)
    email_verified: bool = False
    username: str | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    blocked: bool = False
    user_metadata: Mapping[str, Any] = field(default_factory=dict)
    app_metadata: Mapping[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    """Keep an existing id (bulk import); default: a new `auth0|` id."""
    password_hash: str | None = field(default=None, repr=False)
    """An already hashed password (bulk import: bcrypt or a `tier0-import$` hash)."""
    picture: str | None = None


_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class UserPatch:
    """A partial update. Fields left at their default stay as they are; metadata objects
    are merged one level deep, and a key set to ``None`` is removed (Auth0's PATCH rule)."""

    email: str | None = None
    email_verified: bool | None = None
    username: str | None = _UNSET
    name: str | None = _UNSET
    given_name: str | None = _UNSET
    family_name: str | None = _UNSET
    nickname: str | None = _UNSET
    blocked: bool | None = None
    password: str | None = field(default=None, repr=False)
    user_metadata: Mapping[str, Any] | None = None
    app_metadata: Mapping[str, Any] | None = None


def merge_metadata(current: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def optional_name(value: str | None, what: str) -> str | None:
    return None if value is None else validate_name(value, what=what)


def patched(
    user: User, patch: UserPatch, email: str | None, password_hash: str | None, now: datetime
) -> User:
    names: dict[str, str | None] = {}
    for what in ("username", "name", "given_name", "family_name", "nickname"):
        value = getattr(patch, what)
        if value is not _UNSET:
            names[what] = optional_name(value, what)
    return replace(
        user,
        email=email or user.email,
        email_verified=(
            patch.email_verified if patch.email_verified is not None else user.email_verified
        ),
        blocked=patch.blocked if patch.blocked is not None else user.blocked,
        password_hash=password_hash or user.password_hash,
        user_metadata=merge_metadata(user.user_metadata, patch.user_metadata or {}),
        app_metadata=merge_metadata(user.app_metadata, patch.app_metadata or {}),
        updated_at=now,
        **names,  # type: ignore[arg-type]  # keys are exactly the optional name fields
    )
