"""Users: creation, lookup, blocking, deletion and password checks.

Passwords are hashed with the configured policy in the bounded pool; the clear text is
never stored, logged or returned.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tier0.clock import Clock
from tier0.domain import Tenant, User
from tier0.errors import Conflict, InvalidInput, NotFound
from tier0.services.validation import validate_email, validate_name
from tier0.storage.ports import Database
from tier0.users.passwords import InvalidPassword, PasswordHasher

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


def _optional(value: str | None, what: str) -> str | None:
    return None if value is None else validate_name(value, what=what)


class UserService:
    def __init__(self, db: Database, hasher: PasswordHasher, clock: Clock) -> None:
        self._db = db
        self._hasher = hasher
        self._clock = clock

    async def create(self, tenant: Tenant, spec: UserSpec) -> User:
        email = validate_email(spec.email)
        password_hash = None
        if spec.password is not None:
            check_password_shape(spec.password)
            password_hash = await self._hasher.hash(spec.password)
        now = self._clock.now()
        user = User(
            tenant_id=tenant.id,
            user_id=new_user_id(),
            email=email,
            email_verified=spec.email_verified,
            username=_optional(spec.username, "username"),
            name=_optional(spec.name, "name"),
            given_name=_optional(spec.given_name, "given_name"),
            family_name=_optional(spec.family_name, "family_name"),
            nickname=_optional(spec.nickname, "nickname"),
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
            await uow.users.add(user)
        return user

    async def get(self, tenant: Tenant, user_id: str) -> User:
        async with self._db.read() as uow:
            user = await uow.users.get(tenant.id, user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    async def find_by_email(self, tenant: Tenant, email: str) -> User | None:
        async with self._db.read() as uow:
            return await uow.users.get_by_email(tenant.id, email)

    async def list(self, tenant: Tenant, *, offset: int = 0, limit: int = 100) -> Sequence[User]:
        async with self._db.read() as uow:
            return await uow.users.list(tenant.id, offset=offset, limit=limit)

    async def count(self, tenant: Tenant) -> int:
        async with self._db.read() as uow:
            return await uow.users.count(tenant.id)

    async def set_blocked(self, tenant: Tenant, user_id: str, blocked: bool) -> User:
        async with self._db.transaction() as uow:
            user = await uow.users.get(tenant.id, user_id)
            if user is None:
                raise NotFound("no such user")
            updated = replace(user, blocked=blocked, updated_at=self._clock.now())
            await uow.users.update(updated)
        return updated

    async def update_profile(
        self,
        tenant: Tenant,
        user_id: str,
        *,
        email_verified: bool | None = None,
        name: str | None = None,
        blocked: bool | None = None,
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
        return updated

    async def set_password(self, tenant: Tenant, user_id: str, password: str) -> User:
        check_password_shape(password)
        password_hash = await self._hasher.hash(password)
        async with self._db.transaction() as uow:
            user = await uow.users.get(tenant.id, user_id)
            if user is None:
                raise NotFound("no such user")
            updated = replace(user, password_hash=password_hash, updated_at=self._clock.now())
            await uow.users.update(updated)
        return updated

    async def delete(self, tenant: Tenant, user_id: str) -> None:
        async with self._db.transaction() as uow:
            if not await uow.users.delete(tenant.id, user_id):
                raise NotFound("no such user")

    async def authenticate(
        self, tenant: Tenant, email: str, password: str, *, ip: str | None = None
    ) -> User:
        """Check an email and password. Unknown, blocked and wrong all raise the same
        :class:`InvalidCredentials` after the same hashing work (BF-03). On success the
        hash is upgraded to the current policy if it is weaker (PW-02); a failure never
        rehashes."""
        if len(password.encode("utf-8", errors="surrogatepass")) > MAX_PASSWORD_BYTES:
            raise InvalidCredentials()
        user = await self.find_by_email(tenant, email)
        if user is None or user.password_hash is None:
            await self._hasher.verify_dummy(password)
            raise InvalidCredentials()
        try:
            await self._hasher.verify(password, user.password_hash)
        except InvalidPassword:
            raise InvalidCredentials() from None
        if user.blocked:
            raise InvalidCredentials()
        new_hash = None
        if self._hasher.needs_rehash(user.password_hash):
            new_hash = await self._hasher.hash(password)
        async with self._db.transaction() as uow:
            fresh = await uow.users.get(tenant.id, user.user_id)
            if fresh is None:
                raise InvalidCredentials()
            now = self._clock.now()
            user = replace(
                fresh,
                password_hash=new_hash or fresh.password_hash,
                last_login=now,
                last_ip=ip,
                logins_count=fresh.logins_count + 1,
                updated_at=now,
            )
            await uow.users.update(user)
        return user
