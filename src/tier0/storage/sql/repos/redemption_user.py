"""The code's user, as both versions of a code redemption answer for it: the Core one
(:mod:`.redemption`) and the plain ``sqlite3`` one (:mod:`.redemption_sqlite`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from typing import Any

from tier0.domain import User
from tier0.domain.grants import ConsumedCode
from tier0.secrets.fields import FieldCipher
from tier0.storage.sql.repos import SqlUnitOfWork
from tier0.storage.sql.repos.user_reads import Run, open_user


class RedemptionUser(ABC):
    """On first use the user (row and sealed keys) is read in the same round trip as the
    code, and kept here, so the checks' :meth:`user` that follows costs no read; any other
    user is read by the version's own :meth:`_read_user`. ``key_run`` runs the reads that
    opening the user's own key may still need."""

    def __init__(self, cipher: FieldCipher | None, key_run: Run) -> None:
        self._cipher = cipher
        self._key_run = key_run
        self._read: tuple[str, str, Any] | None = None  # (tenant, user, the read's answer)

    @abstractmethod
    def reads(self) -> AbstractAsyncContextManager[SqlUnitOfWork]:
        """The checks' reads, beside the write transaction."""

    @abstractmethod
    async def _read_user(self, tenant_id: str, user_id: str) -> Any:
        """The user's row and sealed keys (as the version's ``read_user`` answers), or None."""

    def _consumed(self, tenant_id: str, found: Any) -> ConsumedCode | None:
        """The consumed code of a ``(code, user read with it)`` answer, keeping the user."""
        if found is None:
            return None
        consumed: ConsumedCode = found[0]
        if consumed.first_use:
            self._read = (tenant_id, consumed.code.user_id, found[1])
        return consumed

    async def user(self, tenant_id: str, user_id: str) -> User | None:
        if self._cipher is None:
            async with self.reads() as uow:
                return await uow.users.get(tenant_id, user_id)
        if self._read is not None and self._read[:2] == (tenant_id, user_id):
            found = self._read[2]  # read with the code
        else:
            found = await self._read_user(tenant_id, user_id)
        if found is None:
            return None
        row, keys = found
        return await open_user(self._cipher, self._key_run, row, keys)
