"""PostgreSQL privileges that make the audit log append-only for the application (LG-03).

Run migrations as a separate owner role; the application connects as a role that holds
only what :func:`audit_grants` gives it on the audit tables. Then even a compromised
application (or an SQL injection) cannot UPDATE, DELETE or TRUNCATE an event, and an
operator with the owner role who edits rows is caught by ``tier0 audit verify``.
"""

from __future__ import annotations

import re
from typing import Final

_ROLE_RE: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
APPEND_ONLY_TABLES: Final = ("events", "audit_checkpoints")


def audit_grants(role: str) -> list[str]:
    """The statements that give ``role`` append-only access to the audit tables."""
    if not _ROLE_RE.fullmatch(role):
        raise ValueError("role must be a lower-case PostgreSQL identifier")
    tables = ", ".join(APPEND_ONLY_TABLES)
    return [
        f"REVOKE ALL ON {tables}, audit_heads FROM {role}",
        f"GRANT SELECT, INSERT ON {tables} TO {role}",
        # The chain head is the one row that moves; its row lock serialises appends.
        f"GRANT SELECT, INSERT, UPDATE ON audit_heads TO {role}",
    ]
