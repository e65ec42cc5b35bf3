"""Opening the configured KMS at start-up, failing closed (DP-01).

The local key file is created only for a brand-new store. Once any tenant data key exists,
a missing key file means the key-encryption key was lost or not mounted: creating a fresh
one would silently orphan every wrapped key, so start-up stops with one clear line instead.

Whether the store is new is a database question, and the database may not be reachable
while the container is built (health probes must still answer). So a missing key file is
decided on first use, or by :meth:`Container.migrate`, which every command and ``serve``
run at start-up: :class:`FailClosedLocalKms` does exactly that.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tier0.clock import Clock
from tier0.crypto.kms import build_kms
from tier0.crypto.kms.base import Kms, KmsError, WrappedKey
from tier0.crypto.kms.local import LocalKms
from tier0.settings import Mode, Settings
from tier0.storage.sql.engine import create_engine

KEY_FILE = "master.key"


def key_file_path(settings: Settings) -> Path:
    """Where the `local` KMS keeps its key file (``TIER0_KEY_FILE``)."""
    return settings.resolved_key_file


async def count_data_keys(engine: AsyncEngine) -> int:
    """How many wrapped tenant data keys the database holds (0 before the first migration)."""
    async with engine.connect() as conn:
        exists = await conn.run_sync(lambda sync: inspect(sync).has_table("tenant_keys"))
        if not exists:
            return 0
        total = await conn.scalar(text("SELECT count(*) FROM tenant_keys"))
        return int(total or 0)


def missing_key_file(path: Path) -> KmsError:
    return KmsError(
        f"KMS key file {path} is missing but the database holds wrapped data keys: "
        "restore it (or point TIER0_KEY_FILE at it); refusing to start (fail closed)"
    )


class FailClosedLocalKms:
    """A :class:`LocalKms` whose missing key file is created only for a brand-new store."""

    def __init__(
        self,
        path: Path,
        store_has_keys: Callable[[], Awaitable[bool]],
        clock: Clock | None,
        *,
        may_create: bool = True,
    ) -> None:
        self._path = path
        self._may_create = may_create
        self._store_has_keys = store_has_keys
        self._clock = clock
        self._kms: LocalKms | None = None
        self._lock = asyncio.Lock()
        if path.exists():  # the common case: check permissions at once, at build time
            self._kms = LocalKms.open(path, create=False, clock=clock)

    def __repr__(self) -> str:
        return f"FailClosedLocalKms(path={str(self._path)!r}, opened={self._kms is not None})"

    async def ready(self) -> LocalKms:
        """Open the key file, creating it only if the store holds no data key yet."""
        if self._kms is not None:
            return self._kms
        async with self._lock:
            if self._kms is None:
                create = not self._path.exists()
                if create and not self._may_create:
                    raise KmsError(
                        f"KMS key file {self._path} does not exist; production mode never "
                        "creates one: run `tier0 kek init --path ...` (fail closed)"
                    )
                if create and await self._store_has_keys():
                    raise missing_key_file(self._path)
                self._kms = LocalKms.open(self._path, create=create, clock=self._clock)
        return self._kms

    @property
    def current_key_id(self) -> str:
        if self._kms is None:
            raise KmsError("the KMS key file has not been opened yet")
        return self._kms.current_key_id

    async def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> WrappedKey:
        return await (await self.ready()).wrap(data_key, context=context)

    async def unwrap(self, wrapped: WrappedKey, *, context: Mapping[str, str]) -> bytes:
        return await (await self.ready()).unwrap(wrapped, context=context)

    async def rotate(self) -> str:
        return await (await self.ready()).rotate()

    async def destroy(self, key_id: str) -> None:
        """Remove an old KEK version (see :meth:`LocalKms.destroy`)."""
        await (await self.ready()).destroy(key_id)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return () if self._kms is None else self._kms.key_ids


def _store_is_new_blocking(settings: Settings) -> bool:
    async def check() -> bool:
        engine = create_engine(settings.resolved_database_url)
        try:
            return await count_data_keys(engine) == 0
        finally:
            await engine.dispose()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(asyncio.run, check()).result()
        except Exception as exc:  # noqa: BLE001 - any failure to check must stop start-up
            raise KmsError(
                f"cannot tell whether the store is new ({type(exc).__name__}); "
                "refusing to create a key-encryption key"
            ) from None


def open_configured_kms(
    settings: Settings, engine: AsyncEngine, *, clock: Clock | None = None
) -> Kms:
    """The key-encryption-key provider chosen by ``TIER0_KMS``; raise :class:`KmsError`."""
    if settings.kms == "local":

        async def store_has_keys() -> bool:
            return await count_data_keys(engine) > 0

        # Production never mints a key-encryption key on its own: an operator creates it
        # (`tier0 kek init`) and keeps it apart from the data it protects.
        return FailClosedLocalKms(
            key_file_path(settings),
            store_has_keys,
            clock,
            may_create=settings.mode is not Mode.PRODUCTION,
        )
    # Creating a cloud key is rare and explicit: check the store on a helper thread, since
    # AWS and Vault are opened (and checked) synchronously at build time.
    create = settings.kms_create_key and _store_is_new_blocking(settings)
    options: dict[str, Any]
    if settings.kms == "aws":
        options = {
            "alias": settings.aws_kms_alias,
            "region": settings.aws_region,
            "endpoint_url": settings.aws_kms_endpoint_url,
            "create": create,
        }
    else:
        token = settings.vault_token.get_secret_value() if settings.vault_token else ""
        options = {
            "url": settings.vault_url,
            "token": token,
            "mount": settings.vault_transit_mount,
            "key_name": settings.vault_key_name,
            "namespace": settings.vault_namespace,
            "create": create,
        }
    return build_kms(settings.kms, **options)


async def ensure_kms_ready(kms: Kms) -> None:
    """Resolve a deferred local KMS now (start-up), so a lost key file fails at once."""
    if isinstance(kms, FailClosedLocalKms):
        await kms.ready()
