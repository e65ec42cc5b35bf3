"""The ``PasswordHistoryStore`` port: a user's previous password hashes (PW-05 history).

Only hashes are kept, newest first, never more than the tenant's policy asks for (at most
24, Auth0's limit): old hashes are a liability if the database leaks, so the service trims
the history on every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class PasswordHistoryStore(Protocol):
    """Previous password hashes of users, inside one transaction."""

    async def recent(self, tenant_id: str, user_id: str, limit: int) -> Sequence[str]:
        """Up to ``limit`` previous hashes, newest first."""
        ...

    async def add(self, tenant_id: str, user_id: str, password_hash: str, at: datetime) -> None: ...

    async def trim(self, tenant_id: str, user_id: str, keep: int) -> int:
        """Delete all but the newest ``keep`` entries; returns how many went."""
        ...
