"""The privacy services, built once by the container."""

from __future__ import annotations

from dataclasses import dataclass

from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.crypto.kms.base import Kms
from tier0.privacy.archive import TenantArchiver
from tier0.privacy.destruction import Inventory, TenantDestroyer
from tier0.privacy.erasure import ForgetCounters, UserEraser
from tier0.privacy.export import UserExporter
from tier0.privacy.notary import Notary
from tier0.secrets.store import SecretStore
from tier0.services.keyring import TenantKeyring
from tier0.services.keys import KeyService
from tier0.services.tenants import TenantService
from tier0.settings import Settings
from tier0.storage.ports import Database
from tier0.storage.sql.repos.archive import tenant_assignments


@dataclass(frozen=True, slots=True)
class Privacy:
    exporter: UserExporter
    eraser: UserEraser
    destroyer: TenantDestroyer
    notary: Notary
    archiver: TenantArchiver


def build_privacy(
    settings: Settings,
    *,
    db: Database,
    kms: Kms,
    keyring: TenantKeyring,
    tenants: TenantService,
    keys: KeyService,
    audit: AuditLog,
    inventory: Inventory,
    clock: Clock,
    secrets: SecretStore,
    forget_counters: ForgetCounters | None = None,
) -> Privacy:
    notary = Notary(settings, tenants, keys, clock)
    return Privacy(
        exporter=UserExporter(db, audit, clock),
        eraser=UserEraser(db, keyring, kms, audit, clock, forget_counters=forget_counters),
        destroyer=TenantDestroyer(db, kms, keyring, tenants, notary, inventory, clock),
        notary=notary,
        archiver=TenantArchiver(
            db,
            keyring,
            tenants,
            audit,
            notary,
            clock,
            secrets=secrets,
            assignments=tenant_assignments,
        ),
    )
