"""The composition root: everything tier0 runs on is built here, from :class:`Settings`.

No module keeps global state; the CLI, the web app and the tests each build a container and
pass its parts down. Time is injected (``clock``) so tests can move it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tier0.audit.log import AuditLog
from tier0.clock import Clock, SystemClock
from tier0.crypto.kms.base import Kms
from tier0.protection.assembly import AttackProtection, build_attack_protection
from tier0.secrets.fields import FieldCipher
from tier0.secrets.kms_setup import KEY_FILE, ensure_kms_ready, open_configured_kms
from tier0.services.applications import ApplicationService
from tier0.services.keyring import TenantKeyring
from tier0.services.keys import KeyPolicy, KeyService
from tier0.services.resource_servers import ClientGrantService, ResourceServerService
from tier0.services.tenants import TenantService
from tier0.services.users import UserService
from tier0.settings import Settings
from tier0.storage.sql.engine import SqlDatabase, create_engine
from tier0.storage.sql.migrate import migrate
from tier0.storage.sql.repos.signing_keys import sql_key_store
from tier0.storage.sql.repos.users import encrypt_legacy_users
from tier0.users.passwords import HashPolicy, PasswordHasher

__all__ = ["KEY_FILE", "Container", "open_kms", "prepare_data_dir"]


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


@dataclass
class Container:
    """Every long-lived part of a running tier0."""

    settings: Settings
    clock: Clock
    db: SqlDatabase
    kms: Kms
    keyring: TenantKeyring
    hasher: PasswordHasher
    tenants: TenantService
    applications: ApplicationService
    apis: ResourceServerService
    client_grants: ClientGrantService
    users: UserService
    keys: KeyService
    audit: AuditLog
    protection: AttackProtection

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Container:
        clock = clock or SystemClock()
        if settings.database_url is None:
            prepare_data_dir(settings)
        plain_db = SqlDatabase(create_engine(settings.resolved_database_url))
        kms = open_kms(settings, plain_db.engine, clock=clock)
        keyring = TenantKeyring(plain_db, kms, clock)
        # Repositories seal personal data under tenant subkeys (DP-02); the keyring itself
        # only reads wrapped keys, so it works on the same engine without a cipher.
        db = plain_db.with_cipher(FieldCipher(keyring))
        hasher = PasswordHasher(
            HashPolicy(
                algorithm=settings.password_hash_algorithm,
                bcrypt_cost=settings.bcrypt_cost,
                argon2_memory_kib=settings.argon2_memory_kib,
                argon2_time_cost=settings.argon2_time_cost,
            ),
            workers=settings.hash_workers,
            queue_limit=settings.hash_queue_limit,
        )
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            kms=kms,
            keyring=keyring,
            hasher=hasher,
            tenants=TenantService(db, keyring, clock),
            applications=ApplicationService(db, keyring, clock),
            apis=ResourceServerService(db, clock),
            client_grants=ClientGrantService(db, clock),
            users=UserService(db, hasher, clock),
            keys=KeyService(db, sql_key_store, keyring, clock, key_policy(settings)),
            audit=AuditLog(db, keyring, clock),
            protection=build_attack_protection(settings, clock),
        )

    async def migrate(self) -> None:
        """Upgrade the schema, then seal any personal data older rows hold in clear."""
        await migrate(self.db.engine)
        await ensure_kms_ready(self.kms)
        await encrypt_legacy_users(self.db)

    async def close(self) -> None:
        self.hasher.close()
        await self.protection.aclose()
        await self.db.close()


def key_policy(settings: Settings) -> KeyPolicy:
    """Signing-key rotation timing from settings (JW-04)."""
    return KeyPolicy(
        default_alg=settings.signing_alg,
        jwks_cache_ttl=timedelta(seconds=settings.jwks_cache_ttl),
        max_token_lifetime=timedelta(seconds=settings.max_token_lifetime),
    )


def cpu_count() -> int:
    return os.cpu_count() or 1
