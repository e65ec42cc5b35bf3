"""End users of a tenant, shaped after Auth0's user object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def normalize_email(email: str) -> str:
    """The form emails are compared in: trimmed and lower-cased.

    Auth0 treats the email as case-insensitive for sign-in and uniqueness; so do we.
    """
    return email.strip().lower()


@dataclass(frozen=True, slots=True)
class User:
    """A user. The password hash never leaves the service layer (repr hides it)."""

    tenant_id: str
    user_id: str
    email: str
    email_verified: bool = False
    username: str | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    picture: str | None = None
    blocked: bool = False
    user_metadata: dict[str, Any] = field(default_factory=dict)
    app_metadata: dict[str, Any] = field(default_factory=dict)
    password_hash: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_login: datetime | None = None
    logins_count: int = 0
    last_ip: str | None = None
