"""The local KMS key file: format, permission checks and atomic updates.

Format (JSON, UTF-8)::

    {
      "format": "tier0-local-kms",
      "version": 1,
      "keys": [
        {"version": 1, "created": "2026-01-01T00:00:00+00:00", "key": "<base64url, 32 bytes>"},
        {"version": 2, "created": "...", "key": "..."}
      ]
    }

The highest version is the current key-encryption key; older versions stay so that data
keys wrapped under them still unwrap (until an operator destroys them after a rewrap).
The file must be a regular file owned by the user running tier0 and accessible by that
owner only (mode 0600 or 0400), in a directory that neither group nor others may write:
anything else makes tier0 refuse to start (fail closed), as OpenSSH does for private keys.
Every change is written to a temporary file, fsynced, and renamed over the old one,
under an exclusive ``flock`` on ``<file>.lock``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tier0.crypto.kms.base import KmsError

FORMAT = "tier0-local-kms"
FORMAT_VERSION = 1
KEK_BYTES = 32
FILE_MODE = 0o600


@dataclass(frozen=True, slots=True)
class KekVersion:
    """One key-encryption key version. The key bytes never appear in a repr."""

    version: int
    created: str
    key: bytes = field(repr=False)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_version(version: int, created: str) -> KekVersion:
    """A fresh random 256-bit KEK with the given version number."""
    return KekVersion(version=version, created=created, key=secrets.token_bytes(KEK_BYTES))


def _parse_entry(entry: Any) -> KekVersion:
    if not isinstance(entry, dict):
        raise ValueError("entry is not an object")
    version, created, key = entry.get("version"), entry.get("created"), entry.get("key")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("bad version")
    if not isinstance(created, str) or not isinstance(key, str):
        raise ValueError("bad created/key")
    raw = _unb64(key)
    if len(raw) != KEK_BYTES:
        raise ValueError("bad key length")
    return KekVersion(version=version, created=created, key=raw)


def parse(data: bytes, path: Path) -> tuple[KekVersion, ...]:
    """Parse key-file bytes; raise :class:`KmsError` (without content) if malformed."""
    try:
        doc = json.loads(data.decode("utf-8"))
        if doc.get("format") != FORMAT or doc.get("version") != FORMAT_VERSION:
            raise ValueError("unknown format")
        versions = tuple(_parse_entry(entry) for entry in doc["keys"])
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        # Deliberately no detail from the content: it holds key material.
        raise KmsError(f"KMS key file {path} is malformed") from None
    numbers = [v.version for v in versions]
    if not versions or len(set(numbers)) != len(numbers):
        raise KmsError(f"KMS key file {path} has no keys or duplicate versions")
    return tuple(sorted(versions, key=lambda v: v.version))


def serialize(versions: tuple[KekVersion, ...]) -> bytes:
    keys = [{"version": v.version, "created": v.created, "key": _b64(v.key)} for v in versions]
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "keys": keys}
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def _check_mode(st: os.stat_result, path: Path) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise KmsError(f"KMS key file {path} is not a regular file")
    if st.st_mode & 0o077:
        raise KmsError(
            f"KMS key file {path} is accessible by group or others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}); refusing to use it: "
            f"run `chmod 600 {path}`"
        )


def _check_owner(st: os.stat_result, path: Path) -> None:
    # Matters when tier0 runs as root, which can read anyone's 0600 file: a key file
    # planted by another user must not become our KEK.
    if st.st_uid != os.geteuid():
        raise KmsError(
            f"KMS key file {path} is owned by uid {st.st_uid}, not by the user running "
            f"tier0 (uid {os.geteuid()}); refusing to use it"
        )


def check_directory(path: Path) -> None:
    """Refuse a key file whose directory others may write to (they could swap the file)."""
    directory = Path(os.path.realpath(path)).parent
    try:
        mode = os.stat(directory).st_mode
    except OSError as exc:
        raise KmsError(f"directory {directory} of the KMS key file: {exc.strerror}") from None
    if mode & 0o022:
        raise KmsError(
            f"directory {directory} of the KMS key file is writable by group or others "
            f"(mode {stat.S_IMODE(mode):04o}); refusing to use it"
        )


def read(path: Path) -> tuple[KekVersion, ...]:
    """Read and check the key file; fail closed if it is missing or too permissive."""
    check_directory(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise KmsError(f"KMS key file {path} does not exist (fail closed)") from None
    except OSError as exc:
        raise KmsError(f"KMS key file {path} cannot be opened: {exc.strerror}") from None
    try:
        # fstat on the open descriptor: the checked file is the file we read.
        st = os.fstat(fd)
        _check_mode(st, path)
        _check_owner(st, path)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
    finally:
        os.close(fd)
    return parse(data, path)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(path: Path, versions: tuple[KekVersion, ...], *, exclusive: bool) -> bool:
    """Atomically write the key file (temp + fsync + rename), mode 0600.

    With ``exclusive`` the file is only created if missing (``link``, never clobbering a
    concurrent creator's keys); returns ``False`` if it already existed.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        return _write_via(tmp, path, versions, exclusive=exclusive)
    except OSError as exc:
        raise KmsError(f"cannot write KMS key file {path}: {exc.strerror}") from None


def _write_via(tmp: Path, path: Path, versions: tuple[KekVersion, ...], *, exclusive: bool) -> bool:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(serialize(versions))
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
        else:
            os.replace(tmp, path)
        _fsync_dir(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``<path>.lock`` (serializes rotations)."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    except OSError as exc:
        raise KmsError(f"cannot lock KMS key file {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
