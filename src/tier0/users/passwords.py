"""Password hashing: bcrypt (Auth0's promise) or argon2id, in a bounded thread pool.

* New hashes use the configured policy; :meth:`PasswordHasher.needs_rehash` says when a
  stored hash is below it, so sign-in can upgrade it (PW-02).
* bcrypt only reads 72 bytes. We never truncate silently (PW-01): a password of up to 72
  UTF-8 bytes is hashed as standard bcrypt (so hashes stay portable to and from Auth0); a
  longer one is first reduced with HMAC-SHA256 under a fixed label and stored with the
  ``$bcrypt-sha256$`` prefix, so every byte counts. A plain ``$2b$`` hash never matches a
  password over 72 bytes.
* Hashing is CPU-bound. It runs on a fixed number of threads, with a bounded queue in front:
  past the bound, callers get :class:`~tier0.errors.Unavailable` at once (a fast 503) instead
  of every request slowing down together (AV-04).
* :meth:`verify` raises one opaque :class:`InvalidPassword`; it never returns a bool to forget.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import argon2
import bcrypt

from tier0.errors import Unavailable
from tier0.handoff import hop
from tier0.settings import HashAlgorithm

T = TypeVar("T")

PREHASH_PREFIX = "$bcrypt-sha256$"
_PREHASH_LABEL = b"tier0 bcrypt-sha256 v1"
BCRYPT_MAX_BYTES = 72


class InvalidPassword(Exception):
    """The password does not match (or the stored hash is unusable). Deliberately vague."""

    def __init__(self) -> None:
        super().__init__("invalid password")


@dataclass(frozen=True, slots=True)
class HashPolicy:
    """How new password hashes are made."""

    algorithm: HashAlgorithm = HashAlgorithm.BCRYPT
    bcrypt_cost: int = 10
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2

    def __post_init__(self) -> None:
        if not 4 <= self.bcrypt_cost <= 31:
            raise ValueError("bcrypt cost must be between 4 and 31")
        if self.argon2_memory_kib < 8 or self.argon2_time_cost < 1:
            raise ValueError("argon2 parameters out of range")


def _prehash(secret: bytes) -> bytes:
    # base64 keeps NUL bytes out of bcrypt's input (44 bytes, under the 72-byte limit).
    return base64.b64encode(hmac.new(_PREHASH_LABEL, secret, hashlib.sha256).digest())


def _bcrypt_cost(stored: str) -> int | None:
    body = stored.removeprefix(PREHASH_PREFIX)
    parts = body.split("$")
    if len(parts) == 4 and parts[1] in {"2a", "2b", "2y"} and parts[2].isdigit():
        return int(parts[2])
    return None


class PasswordHasher:
    """Hashes and verifies passwords under one :class:`HashPolicy`."""

    def __init__(self, policy: HashPolicy, *, workers: int = 4, queue_limit: int = 64) -> None:
        self.policy = policy
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tier0-hash")
        self._capacity = workers + queue_limit
        self._in_flight = 0
        self._argon2 = argon2.PasswordHasher(
            time_cost=policy.argon2_time_cost,
            memory_cost=policy.argon2_memory_kib,
            parallelism=1,
            type=argon2.Type.ID,
        )
        self._dummy: str | None = None

    async def _run(self, work: Callable[[], T]) -> T:
        if self._in_flight >= self._capacity:
            raise Unavailable("too many sign-ins at once; try again shortly", retry_after=1)
        self._in_flight += 1
        try:
            # A cancelled caller keeps its slot until the hash ends: the pool is still
            # busy with it, so the AV-04 limit counts it.
            return await hop(self._pool, work)
        finally:
            self._in_flight -= 1

    def hash_sync(self, password: str) -> str:
        """Hash with the policy (blocking; use :meth:`hash` from async code)."""
        secret = password.encode("utf-8")
        if self.policy.algorithm is HashAlgorithm.ARGON2ID:
            return self._argon2.hash(secret)
        salt = bcrypt.gensalt(rounds=self.policy.bcrypt_cost)
        if len(secret) <= BCRYPT_MAX_BYTES:
            return bcrypt.hashpw(secret, salt).decode("ascii")
        return PREHASH_PREFIX + bcrypt.hashpw(_prehash(secret), salt).decode("ascii")

    def verify_sync(self, password: str, stored: str) -> None:
        """Raise :class:`InvalidPassword` unless ``password`` matches ``stored``."""
        secret = password.encode("utf-8")
        if stored.startswith("$argon2"):
            try:
                self._argon2.verify(stored, secret)
            except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
                raise InvalidPassword() from None
            return
        if _bcrypt_cost(stored) is None:
            raise InvalidPassword()
        if stored.startswith(PREHASH_PREFIX):
            candidate, target = _prehash(secret), stored.removeprefix(PREHASH_PREFIX)
        elif len(secret) > BCRYPT_MAX_BYTES:
            raise InvalidPassword()  # never truncate: the extra bytes must count
        else:
            candidate, target = secret, stored
        try:
            ok = bcrypt.checkpw(candidate, target.encode("ascii"))
        except ValueError:
            ok = False
        if not ok:
            raise InvalidPassword()

    async def hash(self, password: str) -> str:
        return await self._run(lambda: self.hash_sync(password))

    async def verify(self, password: str, stored: str) -> None:
        """Verify in the pool. Raises :class:`InvalidPassword` or :class:`Unavailable`."""
        await self._run(lambda: self.verify_sync(password, stored))

    async def prepare(self) -> str:
        """The dummy hash, made now if need be (the server calls this at start-up), so that
        the first unknown account after a start costs one hash like every other (BF-03)."""
        if self._dummy is None:
            self._dummy = await self.hash("tier0 dummy password for timing")
        return self._dummy

    async def verify_dummy(self, password: str) -> None:
        """Spend the same work as a real verification, for accounts that do not exist, so
        that timing does not tell an attacker which emails are registered (BF-03). An app
        run without its start-up (tests, embedding hosts) makes the dummy on first use."""
        dummy = self._dummy if self._dummy is not None else await self.prepare()
        with contextlib.suppress(InvalidPassword):
            await self.verify(password, dummy)

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` is not what the policy would make now (PW-02)."""
        if self.policy.algorithm is HashAlgorithm.ARGON2ID:
            if not stored.startswith("$argon2id$"):
                return True
            try:
                return self._argon2.check_needs_rehash(stored)
            except argon2.exceptions.InvalidHashError:
                return True
        cost = _bcrypt_cost(stored)
        return cost is None or cost < self.policy.bcrypt_cost

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
