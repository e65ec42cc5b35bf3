"""What every other part stands on: the database with the KMS and the tenant keyring that
seal its personal data, the directory cache and its shared generation, the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from tier0.audit.changes import ChangeLog
from tier0.audit.log import AuditLog
from tier0.audit.prometheus import Metrics
from tier0.cache.generations import FileGenerations, Generations, RedisGenerations
from tier0.clock import Clock
from tier0.crypto.kms.base import Kms
from tier0.secrets.fields import FieldCipher
from tier0.secrets.kms_setup import open_configured_kms
from tier0.services.directory_cache import DirectoryCache
from tier0.services.keyring import TenantKeyring
from tier0.settings import Settings
from tier0.storage.sql.engine import SqlDatabase, create_engine
from tier0.storage.sql.onehop import OneHopWrites


def prepare_data_dir(settings: Settings) -> None:
    """Create the data directory, readable by its owner only, and the embedded database file
    with mode 0600 before SQLite makes it (its WAL and shm files inherit the mode)."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if settings.database_url is None:
        database = settings.data_dir / "tier0.db"
        if not database.exists():
            database.touch(mode=0o600)


def open_kms(settings: Settings, engine: AsyncEngine, *, clock: Clock | None = None) -> Kms:
    """The key-encryption-key provider chosen by ``TIER0_KMS`` (DP-01). The embedded
    default is a 0600 key file in the data dir, created only for a brand-new store; a
    missing file once data keys exist, or a group-/world-readable one, is refused."""
    prepare_data_dir(settings)
    return open_configured_kms(settings, engine, clock=clock)


def directory_generations(settings: Settings) -> Generations | None:
    """Where the directory generation lives (see tier0.cache.generations): Redis when nodes
    share one; a file in the data directory for the embedded SQLite store (the CLI and
    every worker on this host share it). PostgreSQL without Redis may mean several hosts
    with nothing shared to invalidate through, so directory reads are not cached there."""
    if settings.redis_url:
        return RedisGenerations.from_url(settings.redis_url)
    if settings.resolved_database_url.startswith("sqlite"):
        prepare_data_dir(settings)
        return FileGenerations(settings.data_dir / "directory.generation")
    return None


def directory_announcer(
    directory: DirectoryCache, generations: Generations | None
) -> Callable[[], Awaitable[None]]:
    """After a committed directory change: drop this node's entries at once, then advance
    the shared generation so every other node drops theirs on its next read."""

    async def announce() -> None:
        directory.clear()
        if generations is not None:
            await generations.bump()

    return announce


@dataclass(frozen=True)
class Foundation:
    settings: Settings
    clock: Clock
    db: SqlDatabase
    kms: Kms
    keyring: TenantKeyring
    one_hop: OneHopWrites
    directory: DirectoryCache
    generations: Generations | None
    metrics: Metrics
    audit: AuditLog
    changes: ChangeLog


def build_foundation(settings: Settings, clock: Clock) -> Foundation:
    if settings.database_url is None:
        prepare_data_dir(settings)
    plain_db = SqlDatabase(
        create_engine(settings.resolved_database_url, timeout=settings.database_timeout)
    )
    kms = open_kms(settings, plain_db.engine, clock=clock)
    keyring = TenantKeyring(plain_db, kms, clock)
    # Repositories seal personal data under tenant subkeys (DP-02); the keyring itself
    # only reads wrapped keys, so it works on the same engine without a cipher.
    db = plain_db.with_cipher(FieldCipher(keyring, keyring.users))
    generations = directory_generations(settings)
    directory = DirectoryCache(db, generations, clock)
    db.on_directory_change(directory_announcer(directory, generations))
    metrics = Metrics()
    audit = AuditLog(db, keyring, clock, metrics=metrics.events)
    return Foundation(
        settings=settings,
        clock=clock,
        db=db,
        kms=kms,
        keyring=keyring,
        one_hop=OneHopWrites(db),
        directory=directory,
        generations=generations,
        metrics=metrics,
        audit=audit,
        # Every configuration change writes its event in its own transaction (outbox).
        changes=ChangeLog(audit, clock),
    )
