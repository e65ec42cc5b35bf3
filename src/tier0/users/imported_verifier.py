"""Verify imported (legacy) hashes off the event loop, with bounded concurrency (AV-04).

Imported formats include CPU-hard ones (bcrypt, argon2, pbkdf2, scrypt). Like the main
hasher's pool, this has a fixed number of threads and a bounded queue; past the bound a
sign-in gets :class:`~tier0.errors.Unavailable` at once (a fast 503) instead of piling up.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tier0.errors import Unavailable
from tier0.handoff import hop
from tier0.users.imported_hashes import ImportFormatError, from_stored, verify_imported


class ImportedHashVerifier:
    """``await verify(stored, password) -> bool`` for ``tier0-import$`` hashes."""

    def __init__(self, *, workers: int = 2, queue_limit: int = 16) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tier0-import")
        self._capacity = workers + queue_limit
        self._in_flight = 0

    async def verify(self, stored: str, password: str) -> bool:
        """True on a match; False on a mismatch or an unusable stored value."""
        try:
            imported = from_stored(stored)
        except ImportFormatError:
            return False
        if self._in_flight >= self._capacity:
            raise Unavailable("too many sign-ins at once; try again shortly", retry_after=1)
        self._in_flight += 1
        try:
            # As the main hasher: a cancelled caller keeps its slot until the hash ends.
            return await hop(self._pool, lambda: verify_imported(imported, password))
        except ImportFormatError:
            return False
        finally:
            self._in_flight -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
