"""Tenant destruction with crypto-shredding (DP-03, NIST SP 800-88r1 cryptographic erase).

Deleting rows is not enough: backups keep them. Every personal or secret value of a tenant is
sealed under keys derived from its data key, and that data key is stored only wrapped by the
key-encryption key (KEK). Destruction therefore (1) deletes the tenant's rows and wrapped data
keys, then (2) rotates the KEK, re-wraps every *other* tenant's data key under the new KEK,
and destroys the old KEK versions. An older backup still holds the destroyed tenant's wrapped
data key, but nothing can unwrap it any more.

Re-wrapping does not change the surviving tenants' data keys, so restoring an older backup
stays possible for them: restore it, then copy the current ``tenant_keys`` table over it.

Audit events are kept (append-only evidence, LG-03); their chain key derived from the
destroyed data key is gone with it. The signed certificate lists what went, when, and which
key ids were destroyed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from tier0.audit.changes import ChangedBy
from tier0.clock import Clock
from tier0.crypto.kms.base import Kms, WrappedKey
from tier0.errors import InvalidInput
from tier0.privacy.notary import Notary
from tier0.privacy.shredding import shred_kek
from tier0.services.keyring import TenantKeyring
from tier0.services.tenants import TenantService
from tier0.storage.ports import Database, UnitOfWork
from tier0.views import iso

CERTIFICATE_TYP: Final = "tier0-destruction+jwt"
RETAINED: Final = frozenset({"events", "audit_heads", "audit_checkpoints"})

Inventory = Callable[[UnitOfWork, str], Awaitable[dict[str, int]]]


@dataclass(frozen=True, slots=True)
class Certificate:
    claims: dict[str, Any]
    token: str


class TenantDestroyer:
    def __init__(
        self,
        db: Database,
        kms: Kms,
        keyring: TenantKeyring,
        tenants: TenantService,
        notary: Notary,
        inventory: Inventory,
        clock: Clock,
    ) -> None:
        self._db = db
        self._kms = kms
        self._keyring = keyring
        self._tenants = tenants
        self._notary = notary
        self._inventory = inventory
        self._clock = clock

    async def destroy(self, name: str, *, by: ChangedBy) -> Certificate:
        """Delete tenant ``name`` and shred its keys; return the signed certificate."""
        if name == self._notary.tenant_name:
            raise InvalidInput(
                f"{name!r} is the default tenant, which signs destruction certificates; "
                "set TIER0_DEFAULT_TENANT to another tenant first"
            )
        tenant = await self._tenants.get(name)
        async with self._db.read() as uow:
            rows = await self._inventory(uow, tenant.id)
            wrapped = [k for k in await uow.tenant_keys.all() if k.tenant_id == tenant.id]
        data_keys = [
            {"version": k.version, "wrapped_under": WrappedKey.from_text(k.wrapped).key_id}
            for k in wrapped
        ]
        await self._tenants.delete(name, by=by)
        self._keyring.forget(tenant.id)
        kek = await shred_kek(self._kms, self._keyring)
        claims = {
            "sub": tenant.id,
            "tenant": {"id": tenant.id, "name": tenant.name},
            "destroyed_at": iso(self._clock.now()),
            "deleted_rows": {t: n for t, n in rows.items() if t not in RETAINED},
            "retained_rows": {t: n for t, n in rows.items() if t in RETAINED},
            "data_keys": data_keys,
            "kek": kek,
        }
        return Certificate(claims, await self._notary.sign(claims, typ=CERTIFICATE_TYP))
