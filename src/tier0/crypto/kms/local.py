"""``LocalKms``: key-encryption keys in a 0600 key file (the embedded default).

Data keys are wrapped with AES-256-GCM under the current KEK version. The associated
data binds the KEK id and the caller's context, so a wrapped key only unwraps for the
same tenant/purpose it was made for (AWS KMS encryption-context semantics). See
:mod:`tier0.crypto.kms.keyfile` for the file format and permission rules.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Mapping
from pathlib import Path

from tier0.clock import Clock, SystemClock
from tier0.crypto import aead
from tier0.crypto.kms import keyfile
from tier0.crypto.kms.base import KmsError, WrappedKey, check_data_key, encode_context

_PREFIX = "local:v"
_AAD_LABEL = b"tier0.kms.local.v1"


def _key_id(version: int) -> str:
    return f"{_PREFIX}{version}"


def _aad(key_id: str, context: Mapping[str, str]) -> bytes:
    kid = key_id.encode("utf-8")
    return _AAD_LABEL + struct.pack(">I", len(kid)) + kid + encode_context(context)


class LocalKms:
    """A :class:`~tier0.crypto.kms.base.Kms` backed by a local key file."""

    def __init__(self, path: Path, *, clock: Clock | None = None) -> None:
        """Load the key file at ``path``; raise :class:`KmsError` if missing or unsafe."""
        self._path = path
        self._clock: Clock = clock or SystemClock()
        self._stamp = self._file_stamp()
        self._keys = self._index(keyfile.read(path))

    @classmethod
    def open(cls, path: Path, *, create: bool, clock: Clock | None = None) -> LocalKms:
        """Open the key file, first creating it (0600, one fresh KEK) if ``create``."""
        keyfile.check_directory(path)
        if create and not path.exists():
            created = (clock or SystemClock()).now().isoformat()
            # Exclusive create: if another process won the race, use its file.
            keyfile.write(path, (keyfile.new_version(1, created),), exclusive=True)
        return cls(path, clock=clock)

    def __repr__(self) -> str:
        return f"LocalKms(path={str(self._path)!r}, current_key_id={self.current_key_id!r})"

    @staticmethod
    def _index(versions: tuple[keyfile.KekVersion, ...]) -> dict[str, bytes]:
        # Insertion order follows version order, so the last entry is the current KEK.
        return {_key_id(v.version): v.key for v in versions}

    @property
    def current_key_id(self) -> str:
        return next(reversed(self._keys))

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every KEK id in the file, oldest first."""
        return tuple(self._keys)

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self._path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    async def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> WrappedKey:
        check_data_key(data_key)
        if self._file_stamp() != self._stamp:
            # Another process rotated (and maybe destroyed the old KEK, crypto-shredding a
            # tenant or a user): never wrap under a version that may no longer exist.
            await self.reload()
        key_id = self.current_key_id
        blob = aead.seal(self._keys[key_id], data_key, aad=_aad(key_id, context))
        return WrappedKey(key_id=key_id, ciphertext=blob)

    async def unwrap(self, wrapped: WrappedKey, *, context: Mapping[str, str]) -> bytes:
        kek = self._keys.get(wrapped.key_id)
        if kek is None:
            # Another process may have rotated since we loaded the file.
            await self.reload()
            kek = self._keys.get(wrapped.key_id)
        if kek is None:
            raise KmsError(f"unknown key-encryption key {wrapped.key_id!r}")
        try:
            return aead.open_(kek, wrapped.ciphertext, aad=_aad(wrapped.key_id, context))
        except aead.DecryptionError:
            raise KmsError(
                f"data key could not be unwrapped with {wrapped.key_id!r} "
                "(wrong context, wrong key file or tampered data)"
            ) from None

    async def reload(self) -> None:
        """Re-read the key file (picks up rotations made by other processes)."""
        stamp = self._file_stamp()
        self._keys = self._index(await asyncio.to_thread(keyfile.read, self._path))
        self._stamp = stamp

    async def rotate(self) -> str:
        """Append a new KEK version to the file atomically and make it current."""
        created = self._clock.now().isoformat()
        versions = await asyncio.to_thread(self._rotate_file, created)
        self._keys = self._index(versions)
        self._stamp = self._file_stamp()
        return self.current_key_id

    def _rotate_file(self, created: str) -> tuple[keyfile.KekVersion, ...]:
        with keyfile.locked(self._path):
            # Re-read under the lock so concurrent rotations never drop a version.
            versions = keyfile.read(self._path)
            versions += (keyfile.new_version(versions[-1].version + 1, created),)
            keyfile.write(self._path, versions, exclusive=False)
            return versions

    async def destroy(self, key_id: str) -> None:
        """Remove an old KEK version for good (crypto-shredding, DP-03).

        Anything still wrapped under it, including copies in backups, can no longer be
        unwrapped. Rewrap live data keys first. The current KEK cannot be destroyed.
        """
        versions = await asyncio.to_thread(self._destroy_in_file, key_id)
        self._keys = self._index(versions)
        self._stamp = self._file_stamp()

    def _destroy_in_file(self, key_id: str) -> tuple[keyfile.KekVersion, ...]:
        with keyfile.locked(self._path):
            versions = keyfile.read(self._path)
            if key_id not in {_key_id(v.version) for v in versions}:
                raise KmsError(f"unknown key-encryption key {key_id!r}")
            if key_id == _key_id(versions[-1].version):
                raise KmsError(f"{key_id!r} is the current key-encryption key; rotate first")
            kept = tuple(v for v in versions if _key_id(v.version) != key_id)
            keyfile.write(self._path, kept, exclusive=False)
            return kept
