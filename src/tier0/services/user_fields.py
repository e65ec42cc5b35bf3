"""What a user's ``management.users.*`` events record of a change (LG-02, docs/privacy.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from tier0.audit.changes import FieldValue
from tier0.domain import User

# Personal data and the password hash: events say that they changed, never to what
# (LG-02; docs/privacy.md: the audit log holds no email or name, so erasure needs no rewrite).
HIDDEN: Final = (
    "email", "username", "name", "given_name", "family_name", "nickname", "picture",
    "user_metadata", "app_metadata", "password",
)  # fmt: skip


def _metadata(value: Mapping[str, Any]) -> str | None:
    return json.dumps(value, sort_keys=True, default=str) if value else None


def user_fields(user: User) -> dict[str, FieldValue]:
    return {
        "email": user.email,
        "email_verified": user.email_verified,
        "username": user.username,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "nickname": user.nickname,
        "picture": user.picture,
        "blocked": user.blocked,
        "user_metadata": _metadata(user.user_metadata),
        "app_metadata": _metadata(user.app_metadata),
        "password": user.password_hash,
    }
