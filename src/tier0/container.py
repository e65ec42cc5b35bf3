"""The composition root: everything tier0 runs on is built here, from :class:`Settings`.

No module keeps global state; the CLI, the web app and the tests each build a container and
pass its parts down. Time is injected (``clock``) so tests can move it. The wiring is done
in stages by :mod:`tier0.wiring`; this module names the parts and their start and stop.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tier0.audit.incident import IncidentService
from tier0.audit.log import AuditLog
from tier0.audit.prometheus import Metrics
from tier0.audit.streams.service import StreamService
from tier0.cache.generations import Generations
from tier0.clock import Clock, SystemClock
from tier0.crypto.kms.base import Kms
from tier0.jobs import JobRunner, JobService
from tier0.login.accounts import AccountLifecycle
from tier0.login.cookies import CookiePolicy
from tier0.login.flow import LoginFlow
from tier0.login.pages import Pages
from tier0.login.sessions import SessionService
from tier0.mail import EmailSender, MailRenderer
from tier0.mail.account import AccountMailer
from tier0.management.keys import KeyServiceVerificationKeys, VerificationKeys
from tier0.management.provision import ManagementApiProvisioner
from tier0.mfa.admin import FactorAdmin
from tier0.mfa.passkeys import PasskeyService
from tier0.mfa.service import MfaService
from tier0.posture import refuse_unsafe
from tier0.privacy.assembly import Privacy
from tier0.protection.assembly import AttackProtection
from tier0.protocol.endpoints.suite import OAuthEndpoints
from tier0.secrets.kms_setup import KEY_FILE, ensure_kms_ready
from tier0.secrets.store import SecretStore
from tier0.services.applications import ApplicationService
from tier0.services.directory_cache import DirectoryCache
from tier0.services.keyring import TenantKeyring
from tier0.services.keys import KeyService
from tier0.services.protection_blocks import ProtectionBlocks
from tier0.services.protection_policies import ProtectionPolicies
from tier0.services.resource_servers import ClientGrantService, ResourceServerService
from tier0.services.roles import RoleService
from tier0.services.tenant_settings import TenantSettingsService
from tier0.services.tenants import TenantService
from tier0.services.user_import import UserImportService
from tier0.services.user_sessions import UserSessionService
from tier0.services.users import UserService
from tier0.settings import Settings
from tier0.storage.sql.engine import SqlDatabase
from tier0.storage.sql.migrate import migrate
from tier0.storage.sql.onehop import OneHopWrites
from tier0.storage.sql.repos.users import encrypt_legacy_users
from tier0.users.imported_verifier import ImportedHashVerifier
from tier0.users.password_checker import PasswordChecker
from tier0.users.passwords import PasswordHasher
from tier0.wiring.flows import build_login, build_oauth
from tier0.wiring.foundation import build_foundation, open_kms, prepare_data_dir
from tier0.wiring.operations import build_operations
from tier0.wiring.policies import key_policy
from tier0.wiring.services import build_services

__all__ = ["KEY_FILE", "Container", "key_policy", "open_kms", "prepare_data_dir"]


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
    tenant_settings: TenantSettingsService
    applications: ApplicationService
    apis: ResourceServerService
    client_grants: ClientGrantService
    users: UserService
    cookies: CookiePolicy
    pages: Pages
    sessions: SessionService
    user_sessions: UserSessionService
    login: LoginFlow
    keys: KeyService
    audit: AuditLog
    streams: StreamService
    incident: IncidentService
    oauth: OAuthEndpoints
    one_hop: OneHopWrites
    protection: AttackProtection
    protection_policies: ProtectionPolicies
    protection_blocks: ProtectionBlocks
    passwords: PasswordChecker
    imported_hashes: ImportedHashVerifier
    user_import: UserImportService
    jobs: JobService
    job_runner: JobRunner
    mail: EmailSender
    mail_renderer: MailRenderer
    mailer: AccountMailer
    roles: RoleService
    management_api: ManagementApiProvisioner
    verification_keys: VerificationKeys
    mfa: MfaService
    passkeys: PasskeyService
    factor_admin: FactorAdmin
    metrics: Metrics
    secrets: SecretStore
    privacy: Privacy
    accounts: AccountLifecycle
    directory: DirectoryCache
    generations: Generations | None = None
    http: httpx.AsyncClient | None = None

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Container:
        refuse_unsafe(settings)
        f = build_foundation(settings, clock or SystemClock())
        s = build_services(f)
        oauth = build_oauth(f, s)
        login = build_login(f, s)
        ops = build_operations(f, s, login)
        db, clock, audit, changes = f.db, f.clock, f.audit, f.changes
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            kms=f.kms,
            keyring=f.keyring,
            hasher=s.hasher,
            tenants=ops.tenants,
            tenant_settings=TenantSettingsService(
                ops.tenants,
                s.keys,
                login.sessions.policy,
                clock,
                default_signing_alg=settings.signing_alg,
            ),
            applications=s.applications,
            apis=s.apis,
            client_grants=ClientGrantService(db, clock, changes),
            users=s.users,
            cookies=CookiePolicy.for_public_url(settings.public_url),
            pages=Pages(),
            sessions=login.sessions,
            user_sessions=UserSessionService(db, audit, clock),
            login=login.flow,
            keys=s.keys,
            audit=audit,
            streams=ops.streams,
            incident=ops.incident,
            oauth=oauth,
            one_hop=f.one_hop,
            passwords=s.passwords,
            imported_hashes=s.imported,
            user_import=ops.user_import,
            jobs=ops.jobs,
            job_runner=ops.job_runner,
            mail=s.mail.sender,
            mail_renderer=s.mail.renderer,
            mailer=s.mail.mailer,
            http=s.http,
            protection=s.protection,
            protection_policies=s.protection_policies,
            protection_blocks=s.protection_blocks,
            roles=RoleService(db, clock, changes),
            management_api=s.management_api,
            verification_keys=KeyServiceVerificationKeys(s.keys),
            mfa=login.mfa.service,
            passkeys=login.mfa.passkeys,
            factor_admin=login.mfa.admin,
            metrics=f.metrics,
            secrets=s.mail.secrets,
            privacy=ops.privacy,
            accounts=ops.accounts,
            directory=f.directory,
            generations=f.generations,
        )

    async def migrate(self) -> None:
        """Bring the schema up to date, open the KMS (failing closed, DP-01), seal personal
        data older rows hold in clear (DP-02) and give every tenant its management API."""
        await migrate(self.db.engine)
        await ensure_kms_ready(self.kms)
        await encrypt_legacy_users(self.db)
        await self.streams.move_legacy_secrets()
        await self.management_api.ensure_all(self.db)

    async def close(self) -> None:
        await self.job_runner.idle()  # a job being run finishes before its database closes
        self.hasher.close()
        await self.protection_blocks.aclose()
        await self.streams.aclose()
        self.imported_hashes.close()
        if self.http is not None:
            await self.http.aclose()
        await self.protection.aclose()
        if self.generations is not None:
            await self.generations.aclose()
        self.one_hop.close()
        await self.db.close()
