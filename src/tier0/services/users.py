"""Users: creation, lookup, blocking, deletion and password checks.

Passwords are hashed with the configured policy in the bounded pool; the clear text is
never stored, logged or returned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from tier0.audit.changes import ChangedBy, ChangeLog, diff
from tier0.audit.event import SecurityEvent
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.domain import Tenant, User
from tier0.errors import Conflict, InvalidInput, NotFound
from tier0.mail.account import AccountMailer
from tier0.protection.documents import BreachedPasswordPolicy
from tier0.services.revocation import revoke_user_credentials
from tier0.services.user_fields import HIDDEN, user_fields
from tier0.services.user_signin import CheckedPassword as CheckedPassword
from tier0.services.user_signin import PasswordSignIn
from tier0.services.user_specs import InvalidCredentials as InvalidCredentials
from tier0.services.user_specs import UserPatch as UserPatch
from tier0.services.user_specs import UserSpec as UserSpec
from tier0.services.user_specs import (
    check_password_shape,
    optional_name,
    patched,
)
from tier0.services.user_specs import new_user_id as new_user_id
from tier0.services.validation import validate_email, validate_name
from tier0.storage.ports import Database, UnitOfWork, UserQuery, UserReads
from tier0.users.history import PasswordHistoryStore
from tier0.users.imported_verifier import ImportedHashVerifier
from tier0.users.password_checker import PasswordChecker
from tier0.users.password_policy import normalize_password
from tier0.users.passwords import PasswordHasher


class UserService(PasswordSignIn):
    """Users: creation, lookup, profile and password changes, blocking, deletion; the
    password sign-in half is :class:`~tier0.services.user_signin.PasswordSignIn`."""

    def __init__(
        self,
        db: Database,
        hasher: PasswordHasher,
        clock: Clock,
        *,
        passwords: PasswordChecker | None = None,
        imported: ImportedHashVerifier | None = None,
        history: Callable[[UnitOfWork], PasswordHistoryStore] | None = None,
        mailer: AccountMailer | None = None,
        breached: Callable[[Tenant], Awaitable[BreachedPasswordPolicy]] | None = None,
        changes: ChangeLog,
        reads: UserReads | None = None,
    ) -> None:
        self._reads = reads
        self._breached = breached
        self._changes = changes
        self._db = db
        self._hasher = hasher
        self._clock = clock
        self._passwords = passwords
        self._imported = imported
        self._history = history
        self._mailer = mailer

    async def _hash_new_password(
        self,
        tenant: Tenant,
        password: str,
        context: Sequence[str | None],
        previous: Sequence[str] = (),
        *,
        stage: Literal["signup", "change"] = "change",
    ) -> str:
        """Apply the tenant's password policy (PW-03..PW-05), then hash the NFKC form.

        The breach-list check follows the tenant's breached-password-detection setting for
        this stage (on unless the tenant switched it off)."""
        if self._passwords is None:
            check_password_shape(password)
            return await self._hasher.hash(normalize_password(password))
        words = [w for w in (*context, tenant.name, tenant.display_name) if w]
        policy = self._passwords.policy_for(tenant.name)
        if self._breached is not None and not (await self._breached(tenant)).checks(stage):
            policy = replace(policy, blocklist=False)
        normalized = await self._passwords.check(
            password, policy, context=words, previous_hashes=previous, matches=self._matches
        )
        return await self._hasher.hash(normalized)

    def _history_size(self, tenant: Tenant) -> int:
        if self._passwords is None or self._history is None:
            return 0
        return self._passwords.policy_for(tenant.name).history_size

    async def _previous_hashes(self, tenant: Tenant, user: User) -> list[str]:
        """The current hash and the stored previous ones, newest first, as many as the
        tenant's history size (which counts the current password)."""
        size = self._history_size(tenant)
        if size == 0 or self._history is None:
            return []
        previous = [user.password_hash] if user.password_hash else []
        async with self._db.read() as uow:
            older = await self._history(uow).recent(tenant.id, user.user_id, size)
        return [*previous, *older][:size]

    async def _matches(self, normalized: str, stored: str) -> bool:
        try:
            await self._verify(normalized, normalized, stored)
        except InvalidCredentials:
            return False
        return True

    async def _record(
        self,
        uow: UnitOfWork,
        by: ChangedBy,
        event_type: EventType,
        *,
        before: User | None,
        after: User | None,
    ) -> None:
        user = after if after is not None else before
        if user is None:
            raise ValueError("a change has a before or an after")
        await self._changes.record(
            uow,
            by,
            event_type,
            tenant_id=user.tenant_id,
            subject=("user", user.user_id),
            changes=diff(
                user_fields(before) if before else None,
                user_fields(after) if after else None,
                hidden=HIDDEN,
            ),
        )

    async def create(
        self,
        tenant: Tenant,
        spec: UserSpec,
        *,
        by: ChangedBy,
        also: Sequence[SecurityEvent] = (),
    ) -> User:
        """Create the user; ``also`` are further events of this creation (a sign-up's),
        written in its transaction with the ``management.users.created`` event."""
        email = validate_email(spec.email)
        password_hash = spec.password_hash
        if spec.password is not None:
            if password_hash is not None:
                raise InvalidInput("give a password or a password hash, not both")
            context = (
                email,
                spec.username,
                spec.name,
                spec.given_name,
                spec.family_name,
                spec.nickname,
            )
            password_hash = await self._hash_new_password(
                tenant, spec.password, context, stage="signup"
            )
        now = self._clock.now()
        user = User(
            tenant_id=tenant.id,
            user_id=spec.user_id or new_user_id(),
            email=email,
            email_verified=spec.email_verified,
            username=optional_name(spec.username, "username"),
            name=optional_name(spec.name, "name"),
            given_name=optional_name(spec.given_name, "given_name"),
            family_name=optional_name(spec.family_name, "family_name"),
            nickname=optional_name(spec.nickname, "nickname"),
            picture=optional_name(spec.picture, "picture"),
            blocked=spec.blocked,
            user_metadata=dict(spec.user_metadata),
            app_metadata=dict(spec.app_metadata),
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
        )
        async with self._db.transaction() as uow:
            if await uow.users.get_by_email(tenant.id, email) is not None:
                raise Conflict("a user with that email already exists")
            if spec.user_id and await uow.users.get(tenant.id, spec.user_id) is not None:
                raise Conflict("a user with that user_id already exists")
            await uow.users.add(user)
            created = EventType.MANAGEMENT_USERS_CREATED
            await self._record(uow, by, created, before=None, after=user)
            await self._changes.write(uow, *also)
        return user

    async def get(self, tenant: Tenant, user_id: str) -> User:
        async with self._db.read() as uow:
            user = await uow.users.get(tenant.id, user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    async def list(self, tenant: Tenant, *, offset: int = 0, limit: int = 100) -> Sequence[User]:
        async with self._db.read() as uow:
            return await uow.users.list(tenant.id, offset=offset, limit=limit)

    async def count(self, tenant: Tenant) -> int:
        async with self._db.read() as uow:
            return await uow.users.count(tenant.id)

    async def page_after(
        self, tenant: Tenant, after: tuple[datetime, str] | None, *, limit: int
    ) -> Sequence[User]:
        """A keyset page of users in creation order (the checkpoint cursor)."""
        async with self._db.read() as uow:
            return await uow.users.list_after(tenant.id, after, limit=limit)

    async def search(
        self, tenant: Tenant, query: UserQuery, *, offset: int = 0, limit: int = 100
    ) -> tuple[Sequence[User], int]:
        """Users matching one field condition, and how many match in all."""
        async with self._db.read() as uow:
            found = await uow.users.search(tenant.id, query, offset=offset, limit=limit)
            return found, await uow.users.count_matching(tenant.id, query)

    async def update(
        self, tenant: Tenant, user_id: str, patch: UserPatch, *, by: ChangedBy
    ) -> User:
        """Apply a :class:`UserPatch`; a new password passes the tenant's policy first."""
        password_hash = None
        if patch.password is not None:
            current = await self.get(tenant, user_id)
            context = (current.email, current.username, current.name, current.nickname)
            password_hash = await self._hash_new_password(tenant, patch.password, context)
        email = validate_email(patch.email) if patch.email is not None else None
        async with self._db.transaction() as uow:
            user = await uow.users.get(tenant.id, user_id)
            if user is None:
                raise NotFound("no such user")
            if email is not None:
                clash = await uow.users.get_by_email(tenant.id, email)
                if clash is not None and clash.user_id != user_id:
                    raise Conflict("a user with that email already exists")
            updated = patched(user, patch, email, password_hash, self._clock.now())
            await uow.users.update(updated)
            if password_hash is not None:
                # PW-06: a new password set over the API ends sessions and refresh tokens.
                await revoke_user_credentials(uow, tenant.id, user_id, self._clock.now())
            changed = EventType.MANAGEMENT_USERS_UPDATED
            await self._record(uow, by, changed, before=user, after=updated)
        return updated

    async def set_blocked(
        self, tenant: Tenant, user_id: str, blocked: bool, *, by: ChangedBy
    ) -> User:
        async with self._db.transaction() as uow:
            user = await uow.users.get(tenant.id, user_id)
            if user is None:
                raise NotFound("no such user")
            updated = replace(user, blocked=blocked, updated_at=self._clock.now())
            await uow.users.update(updated)
            changed = EventType.MANAGEMENT_USERS_UPDATED
            await self._record(uow, by, changed, before=user, after=updated)
        return updated

    async def update_profile(
        self,
        tenant: Tenant,
        user_id: str,
        *,
        email_verified: bool | None = None,
        name: str | None = None,
        blocked: bool | None = None,
        by: ChangedBy,
    ) -> User:
        """Change the listed profile fields; `None` leaves a field as it is."""
        async with self._db.transaction() as uow:
            user = await uow.users.get(tenant.id, user_id)
            if user is None:
                raise NotFound("no such user")
            updated = replace(
                user,
                email_verified=user.email_verified if email_verified is None else email_verified,
                name=user.name if name is None else validate_name(name, what="name"),
                blocked=user.blocked if blocked is None else blocked,
                updated_at=self._clock.now(),
            )
            await uow.users.update(updated)
            changed = EventType.MANAGEMENT_USERS_UPDATED
            await self._record(uow, by, changed, before=user, after=updated)
        return updated

    async def new_password_hash(self, tenant: Tenant, user: User, password: str) -> str:
        """The hash of a new password for ``user`` once it passed the tenant's policy, the
        breached-password check and the history (raises :class:`PasswordRejected`)."""
        context = (
            user.email,
            user.username,
            user.name,
            user.given_name,
            user.family_name,
            user.nickname,
        )
        previous = await self._previous_hashes(tenant, user)
        return await self._hash_new_password(tenant, password, context, previous)

    async def store_password(
        self, uow: UnitOfWork, tenant: Tenant, user_id: str, password_hash: str, **changes: Any
    ) -> User:
        """Write a hash from :meth:`new_password_hash` inside the caller's transaction, keep
        the history as the policy asks, and apply further field ``changes``."""
        user = await uow.users.get(tenant.id, user_id)
        if user is None:
            raise NotFound("no such user")
        now = self._clock.now()
        updated = replace(user, password_hash=password_hash, updated_at=now, **changes)
        await uow.users.update(updated)
        if self._history is not None:
            # Keep only what the policy needs: old hashes are a liability in a leak.
            keep = max(self._history_size(tenant) - 1, 0)
            store = self._history(uow)
            if keep and user.password_hash:
                await store.add(tenant.id, user_id, user.password_hash, now)
            await store.trim(tenant.id, user_id, keep)
        return updated

    async def notify_password_changed(self, tenant: Tenant, user: User) -> None:
        if self._mailer is not None:
            # Tell the owner, so a change they did not make does not go unnoticed.
            await self._mailer.password_changed(tenant, user.email)

    async def set_password(
        self, tenant: Tenant, user_id: str, password: str, *, by: ChangedBy
    ) -> User:
        current = await self.get(tenant, user_id)
        password_hash = await self.new_password_hash(tenant, current, password)
        async with self._db.transaction() as uow:
            updated = await self.store_password(uow, tenant, user_id, password_hash)
            # PW-06: an administrator's change ends the old credentials too.
            await revoke_user_credentials(uow, tenant.id, user_id, self._clock.now())
            changed = EventType.MANAGEMENT_USERS_UPDATED
            await self._record(uow, by, changed, before=current, after=updated)
        await self.notify_password_changed(tenant, updated)
        return updated

    async def delete(self, tenant: Tenant, user_id: str, *, by: ChangedBy) -> None:
        async with self._db.transaction() as uow:
            user = await uow.users.get(tenant.id, user_id)
            if user is None or not await uow.users.delete(tenant.id, user_id):
                raise NotFound("no such user")
            deleted = EventType.MANAGEMENT_USERS_DELETED
            await self._record(uow, by, deleted, before=user, after=None)
