"""The password sign-in half of :class:`~tier0.services.users.UserService`: look a user
up by email, check the password with the same hashing work for every outcome (BF-03), and
count the sign-in. Split from `users.py`, which keeps creation, changes and deletion."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tier0.clock import Clock
from tier0.domain import Tenant, User
from tier0.services.user_specs import MAX_PASSWORD_BYTES, InvalidCredentials
from tier0.storage.ports import Database, UnitOfWork, UserReads
from tier0.storage.write_ports import LoginCount
from tier0.users.imported_hashes import is_imported
from tier0.users.imported_verifier import ImportedHashVerifier
from tier0.users.password_policy import normalize_password
from tier0.users.passwords import InvalidPassword, PasswordHasher


@dataclass(frozen=True, slots=True)
class CheckedPassword:
    """A user whose password was just verified, and the hash to store if it was upgraded."""

    user: User
    new_hash: str | None = field(default=None, repr=False)


class PasswordSignIn:
    """Sign-in checks over the user store; :class:`UserService` sets these attributes."""

    _db: Database
    _hasher: PasswordHasher
    _clock: Clock
    _imported: ImportedHashVerifier | None
    _reads: UserReads | None

    async def find_by_email(self, tenant: Tenant, email: str) -> User | None:
        if self._reads is not None:  # every sign-in asks: one round trip
            return await self._reads.get_by_email(tenant.id, email)
        async with self._db.read() as uow:
            return await uow.users.get_by_email(tenant.id, email)

    async def password_matches(self, user: User, password: str) -> bool:
        """Is ``password`` the user's current one? The same hashing work either way; no
        rehash and no sign-in bookkeeping (the caller counts failures)."""
        if len(password.encode("utf-8", errors="surrogatepass")) > MAX_PASSWORD_BYTES:
            return False
        if user.password_hash is None:
            await self._hasher.verify_dummy(password)
            return False
        try:
            await self._verify(password, normalize_password(password), user.password_hash)
        except InvalidCredentials:
            return False
        return True

    async def authenticate(
        self, tenant: Tenant, email: str, password: str, *, ip: str | None = None
    ) -> User:
        """Check an email and password and count the sign-in, in a transaction of its own
        (see :meth:`check_password` and :meth:`record_login`)."""
        checked = await self.check_password(tenant, email, password)
        async with self._db.transaction() as uow:
            return await self.record_login(uow, tenant, checked, ip=ip)

    async def check_password(self, tenant: Tenant, email: str, password: str) -> CheckedPassword:
        """Check an email and password, writing nothing. Unknown, blocked and wrong all raise
        the same :class:`InvalidCredentials` after the same hashing work (BF-03). On success
        the upgraded hash comes along when the stored one is below the current policy
        (PW-02), for :meth:`record_login` to store; a failure never rehashes."""
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
        return CheckedPassword(user, new_hash)

    async def record_login(
        self, uow: UnitOfWork, tenant: Tenant, checked: CheckedPassword, *, ip: str | None
    ) -> User:
        """Count a checked sign-in (and store the upgraded hash) inside the caller's
        transaction, so it commits with whatever the sign-in starts."""
        login = self.login_count(tenant, checked, ip=ip)
        count = await uow.users.record_login(
            tenant.id,
            login.user_id,
            at=login.at,
            ip=login.ip,
            previous_ip=login.previous_ip,
            password_hash=login.password_hash,
        )
        if count is None:  # deleted since the check
            raise InvalidCredentials()
        return self.logged_in(checked, login, count)

    def login_count(
        self, tenant: Tenant, checked: CheckedPassword, *, ip: str | None
    ) -> LoginCount:
        """What counting a checked sign-in writes (with the upgraded hash, if any)."""
        return LoginCount(
            tenant_id=tenant.id,
            user_id=checked.user.user_id,
            at=self._clock.now(),
            ip=ip,
            previous_ip=checked.user.last_ip,
            password_hash=checked.new_hash,
        )

    @staticmethod
    def logged_in(checked: CheckedPassword, login: LoginCount, count: int) -> User:
        """The user as a counted sign-in left them."""
        return replace(
            checked.user,
            password_hash=login.password_hash or checked.user.password_hash,
            last_login=login.at,
            last_ip=login.ip,
            logins_count=count,
            updated_at=login.at,
        )

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
