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
from tier0.users.imported_hashes import is_imported
from tier0.users.imported_verifier import ImportedHashVerifier
from tier0.users.password_checker import PasswordChecker
from tier0.users.password_policy import normalize_password
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
    user_id: str | None = None
    """Keep an existing id (bulk import); default: a new `auth0|` id."""
    password_hash: str | None = field(default=None, repr=False)
    """An already hashed password (bulk import: bcrypt or a `tier0-import$` hash)."""
    picture: str | None = None


def _optional(value: str | None, what: str) -> str | None:
    return None if value is None else validate_name(value, what=what)


class UserService:
    def __init__(
        self,
        db: Database,
        hasher: PasswordHasher,
        clock: Clock,
        *,
        passwords: PasswordChecker | None = None,
        imported: ImportedHashVerifier | None = None,
    ) -> None:
        self._db = db
        self._hasher = hasher
        self._clock = clock
        self._passwords = passwords
        self._imported = imported

    async def _hash_new_password(
        self, tenant: Tenant, password: str, context: Sequence[str | None]
    ) -> str:
        """Apply the tenant's password policy (PW-03..PW-05), then hash the NFKC form."""
        if self._passwords is None:
            check_password_shape(password)
            return await self._hasher.hash(normalize_password(password))
        words = [w for w in (*context, tenant.name, tenant.display_name) if w]
        policy = self._passwords.policy_for(tenant.name)
        normalized = await self._passwords.check(password, policy, context=words)
        return await self._hasher.hash(normalized)

    async def create(self, tenant: Tenant, spec: UserSpec) -> User:
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
            password_hash = await self._hash_new_password(tenant, spec.password, context)
        now = self._clock.now()
        user = User(
            tenant_id=tenant.id,
            user_id=spec.user_id or new_user_id(),
            email=email,
            email_verified=spec.email_verified,
            username=_optional(spec.username, "username"),
            name=_optional(spec.name, "name"),
            given_name=_optional(spec.given_name, "given_name"),
            family_name=_optional(spec.family_name, "family_name"),
            nickname=_optional(spec.nickname, "nickname"),
            picture=_optional(spec.picture, "picture"),
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
        current = await self.get(tenant, user_id)
        context = (
            current.email,
            current.username,
            current.name,
            current.given_name,
            current.family_name,
            current.nickname,
        )
        password_hash = await self._hash_new_password(tenant, password, context)
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
        normalized = normalize_password(password)
        await self._verify(password, normalized, user.password_hash)
        if user.blocked:
            raise InvalidCredentials()
        new_hash = None
        # Imported hashes are always "below policy": the first sign-in replaces them (PW-02).
        if self._hasher.needs_rehash(user.password_hash):
            new_hash = await self._hasher.hash(normalized)
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

    async def _verify(self, password: str, normalized: str, stored: str) -> None:
        """Raise :class:`InvalidCredentials` unless the password matches ``stored``."""
        if is_imported(stored):
            # A legacy hash from a bulk import: verified as the old system computed it.
            if self._imported is None or not await self._imported.verify(stored, password):
                raise InvalidCredentials()
            return
        try:
            await self._hasher.verify(normalized, stored)
        except InvalidPassword:
            raise InvalidCredentials() from None
