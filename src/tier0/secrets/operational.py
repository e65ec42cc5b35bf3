"""tier0's own operational secrets (the SMTP password), read from the versioned secret store
of the installation's default tenant: every read is a ``secret.read`` event naming the
component that read it, and rotating a secret is ``tier0 secret put`` (a new version),
picked up on the next read without a restart."""

from __future__ import annotations

from tier0.audit.event import Actor
from tier0.errors import NotFound
from tier0.secrets.store import SecretStore
from tier0.storage.ports import Database


class OperationalSecrets:
    def __init__(self, store: SecretStore, db: Database, tenant_name: str) -> None:
        self._store = store
        self._db = db
        self._tenant_name = tenant_name

    def __repr__(self) -> str:
        return f"OperationalSecrets(tenant={self._tenant_name!r})"

    async def read(self, name: str, *, component: str) -> str:
        """The latest version of secret ``name``, as text; the read is audited."""
        async with self._db.read() as uow:
            tenant = await uow.tenants.get_by_name(self._tenant_name)
        if tenant is None:
            raise NotFound(f"no tenant named {self._tenant_name!r} holds operational secrets")
        _version, value = await self._store.get(tenant, name, actor=Actor.system(component))
        return value.decode("utf-8")

    def reader(self, component: str) -> _Reader:
        """A one-argument reader for a component (``smtp``, ...)."""
        return _Reader(self, component)


class _Reader:
    def __init__(self, secrets: OperationalSecrets, component: str) -> None:
        self._secrets = secrets
        self._component = component

    async def __call__(self, name: str) -> str:
        return await self._secrets.read(name, component=self._component)
