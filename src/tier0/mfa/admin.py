"""An administrator's view of a user's authentication methods, shared by `tier0 user mfa`
and the management API's ``/users/{id}/authentication-methods`` (Auth0's shape).

A method is an authenticator app (``totp``), a passkey (``passkey``) or the user's set of
recovery codes (``recovery-code``, one method whatever the number left). The view carries
public facts only: never a seed, a public key or a code (AC-04). Every removal is an
``mfa.factor.removed`` event with the administrator as actor, appended in the transaction
that removes (:class:`~tier0.audit.changes.ChangedBy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tier0.audit.changes import ChangedBy
from tier0.audit.event import Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.errors import NotFound
from tier0.storage.ports import Database, UnitOfWork

__all__ = ["RECOVERY_CODE_ID", "AuthenticationMethod", "FactorAdmin"]

RECOVERY_CODE_ID = "recovery-code"
"""The id of a user's recovery-code set (unique per user, so no random id is needed)."""


@dataclass(frozen=True, slots=True)
class AuthenticationMethod:
    id: str
    type: str
    confirmed: bool
    created_at: datetime | None
    name: str | None = None
    last_auth_at: datetime | None = None
    aaguid: str | None = None
    recovery_codes_left: int | None = None


class FactorAdmin:
    def __init__(self, db: Database, audit: AuditLog, clock: Clock) -> None:
        self._db = db
        self._audit = audit
        self._clock = clock

    async def methods(self, tenant: Tenant, user_id: str) -> list[AuthenticationMethod]:
        """The user's methods; :class:`NotFound` when the user is not in ``tenant``."""
        async with self._db.read() as uow:
            await self._user(uow, tenant, user_id)
            factors = await uow.mfa.list_for_user(tenant.id, user_id)
            passkeys = await uow.passkeys.list_for_user(tenant.id, user_id)
            left = await uow.mfa.recovery_codes_left(tenant.id, user_id)
        found = [
            AuthenticationMethod(f.id, f.kind.value, f.confirmed, f.created_at) for f in factors
        ]
        found += [
            AuthenticationMethod(
                p.id, "passkey", True, p.created_at, p.name, p.last_used_at, p.aaguid
            )
            for p in passkeys
        ]
        if left:
            found.append(
                AuthenticationMethod(
                    RECOVERY_CODE_ID, RECOVERY_CODE_ID, True, None, recovery_codes_left=left
                )
            )
        return found

    async def remove(self, tenant: Tenant, user_id: str, method_id: str, *, by: ChangedBy) -> str:
        """Remove one method; returns its type. :class:`NotFound` for an unknown user or a
        method that is not this user's (another tenant's or user's id answers the same)."""
        async with self._db.transaction() as uow:
            await self._user(uow, tenant, user_id)
            kind = await self._delete_one(uow, tenant, user_id, method_id)
            if kind is None:
                raise NotFound("no such authentication method")
            await self._record(uow, tenant, user_id, by, factor=kind, method_id=method_id)
        return kind

    async def remove_all(self, tenant: Tenant, user_id: str, *, by: ChangedBy) -> int:
        """Remove every factor, passkey, pending email code and recovery code of the user:
        they sign in with the password alone until they enroll again (a lost device)."""
        async with self._db.transaction() as uow:
            await self._user(uow, tenant, user_id)
            removed = await uow.mfa.delete_for_user(tenant.id, user_id)
            removed += await uow.passkeys.delete_for_user(tenant.id, user_id)
            await uow.email_codes.delete(tenant.id, user_id)
            if removed:
                await self._record(uow, tenant, user_id, by, factor="all", count=removed)
        return removed

    async def _user(self, uow: UnitOfWork, tenant: Tenant, user_id: str) -> None:
        if await uow.users.get(tenant.id, user_id) is None:
            raise NotFound("no such user")

    async def _delete_one(
        self, uow: UnitOfWork, tenant: Tenant, user_id: str, method_id: str
    ) -> str | None:
        if method_id == RECOVERY_CODE_ID:
            if not await uow.mfa.recovery_codes_left(tenant.id, user_id):
                return None
            await uow.mfa.replace_recovery_codes(tenant.id, user_id, [], self._clock.now())
            return RECOVERY_CODE_ID
        factor = await uow.mfa.get(tenant.id, method_id)
        if factor is not None and factor.user_id == user_id:
            await uow.mfa.delete(tenant.id, method_id)
            return factor.kind.value
        if await uow.passkeys.delete(tenant.id, user_id, method_id):
            return "passkey"
        return None

    async def _record(
        self, uow: UnitOfWork, tenant: Tenant, user_id: str, by: ChangedBy, **details: object
    ) -> None:
        event = by.event(
            self._clock,
            EventType.MFA_FACTOR_REMOVED,
            tenant_id=tenant.id,
            subject=Subject.of("user", user_id),
            details={"via": by.via, **details},
        )
        await self._audit.record(uow, event)
