"""The composition root: everything tier0 runs on is built here, from :class:`Settings`.

No module keeps global state; the CLI, the web app and the tests each build a container and
pass its parts down. Time is injected (``clock``) so tests can move it.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tier0.audit.changes import ChangeLog
from tier0.audit.incident import IncidentService
from tier0.audit.log import AuditLog
from tier0.audit.prometheus import Metrics
from tier0.audit.streams.service import StreamService
from tier0.cache.generations import FileGenerations, Generations, RedisGenerations
from tier0.clock import Clock, SystemClock
from tier0.crypto.kms.base import Kms
from tier0.jobs import JobRunner, JobService
from tier0.login.accounts import AccountLifecycle, build_account_lifecycle
from tier0.login.codes import CodeIssuer
from tier0.login.consent import ConsentService
from tier0.login.cookies import CookiePolicy
from tier0.login.directory import LoginDirectory
from tier0.login.factors import FactorSteps
from tier0.login.flow import LoginFlow
from tier0.login.guard import SignInGuard
from tier0.login.interactions import InteractionSealer
from tier0.login.pages import Pages
from tier0.login.second_factor import PendingSealer
from tier0.login.sessions import SessionService
from tier0.login.signin import Authenticator
from tier0.mail import EmailSender, MailRenderer, OutboxSender, SmtpConfig, SmtpSender
from tier0.mail.account import AccountMailer
from tier0.management.keys import KeyServiceVerificationKeys, VerificationKeys
from tier0.management.provision import ManagementApiProvisioner
from tier0.mfa.admin import FactorAdmin
from tier0.mfa.assembly import build_mfa
from tier0.mfa.passkeys import PasskeyService
from tier0.mfa.service import MfaService
from tier0.posture import refuse_unsafe
from tier0.privacy.assembly import Privacy, build_privacy
from tier0.protection.assembly import AttackProtection, build_attack_protection
from tier0.protocol.endpoints.suite import OAuthEndpoints, build_oauth_endpoints
from tier0.protocol.grants.base import TokenPolicy
from tier0.secrets.fields import FieldCipher
from tier0.secrets.kms_setup import KEY_FILE, ensure_kms_ready, open_configured_kms
from tier0.secrets.operational import OperationalSecrets
from tier0.secrets.store import SecretStore
from tier0.services.applications import ApplicationService
from tier0.services.directory_cache import DirectoryCache
from tier0.services.keyring import TenantKeyring
from tier0.services.keys import KeyPolicy, KeyService
from tier0.services.protection_blocks import ProtectionBlocks
from tier0.services.protection_policies import ProtectionPolicies
from tier0.services.resource_servers import ClientGrantService, ResourceServerService
from tier0.services.roles import RoleService
from tier0.services.tenants import TenantService
from tier0.services.user_import import UserImportService
from tier0.services.user_sessions import UserSessionService
from tier0.services.users import UserService
from tier0.settings import Settings
from tier0.storage.sql.engine import SqlDatabase, create_engine
from tier0.storage.sql.migrate import migrate
from tier0.storage.sql.onehop import OneHopWrites
from tier0.storage.sql.repos.account_tickets import sql_ticket_store
from tier0.storage.sql.repos.inventory import tenant_row_counts
from tier0.storage.sql.repos.jobs import sql_job_repo
from tier0.storage.sql.repos.password_history import sql_password_history
from tier0.storage.sql.repos.redemption import SqlCodeRedemptions
from tier0.storage.sql.repos.rotation import SqlRefreshRotations
from tier0.storage.sql.repos.secrets import sql_secret_repo
from tier0.storage.sql.repos.signin import SqlSignInWrites
from tier0.storage.sql.repos.signing_keys import sql_key_store
from tier0.storage.sql.repos.user_reads import SqlUserReads
from tier0.storage.sql.repos.users import encrypt_legacy_users
from tier0.users.breached import BreachedPasswordList
from tier0.users.bulk_export import BulkExporter
from tier0.users.hibp import HibpChecker
from tier0.users.imported_verifier import ImportedHashVerifier
from tier0.users.password_checker import PasswordChecker
from tier0.users.password_policy import PasswordPolicy
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


def _node_id() -> str:
    """This process among the nodes that claim bulk jobs (and so hold their leases)."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{secrets.token_hex(4)}"


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
        clock = clock or SystemClock()
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
        metrics = Metrics()
        audit = AuditLog(db, keyring, clock, metrics=metrics.events)
        # Every configuration change writes its event in its own transaction (outbox).
        changes = ChangeLog(audit, clock)
        applications = ApplicationService(db, keyring, clock, changes)
        keys = KeyService(db, sql_key_store, keyring, clock, changes, key_policy(settings))
        protection = build_attack_protection(settings, clock)
        protection_policies = ProtectionPolicies(
            db,
            clock,
            protection,
            changes,
            settings_rate_limits=settings.rate_limit_overrides,
            ttl_s=settings.protection_policy_cache_ttl,
            generation=directory.generation,
        )
        one_hop = OneHopWrites(db)
        oauth = build_oauth_endpoints(
            db=db,
            rotations=SqlRefreshRotations(one_hop),
            redemptions=SqlCodeRedemptions(one_hop, db.cipher),
            hash_keys=keyring,
            secrets=applications,
            signing_keys=keys,
            directory=directory,
            clock=clock,
            policy=token_policy(settings),
            events=audit,
            guard=protection.guessing,
        )
        http = httpx.AsyncClient() if settings.hibp_check else None
        passwords = password_checker(settings, http)
        imported = ImportedHashVerifier()
        secrets = SecretStore(db, sql_secret_repo, keyring, audit, clock)
        operational = OperationalSecrets(secrets, db, settings.default_tenant)
        mail = mail_sender(settings, clock, operational)
        mail_renderer = MailRenderer(sender=settings.mail_from, clock=clock)
        mailer = AccountMailer(mail_renderer, mail, clock)
        users = UserService(
            db,
            hasher,
            clock,
            passwords=passwords,
            imported=imported,
            history=sql_password_history,
            mailer=mailer,
            changes=changes,
            breached=protection_policies.breached,
            reads=SqlUserReads(one_hop, db.cipher) if db.cipher is not None else None,
        )
        protection_blocks = ProtectionBlocks(
            db,
            clock,
            protection,
            users=users,
            keyring=keyring,
            changes=changes,
            mailer=mailer,
            base_url=settings.public_url,
        )
        management_api = ManagementApiProvisioner(settings, clock)
        apis = ResourceServerService(db, clock, changes)
        sessions = SessionService(
            db,
            keyring,
            clock,
            idle=timedelta(seconds=settings.session_idle_timeout),
            absolute=timedelta(seconds=settings.session_absolute_timeout),
        )
        codes = CodeIssuer(
            db,
            keyring,
            clock,
            lifetime=timedelta(seconds=settings.authorization_code_lifetime),
            audit=audit,
        )
        guard = SignInGuard(
            brute_force=protection.brute_force,
            suspicious_ip=protection.suspicious_ip,
            events=audit,
            clock=clock,
            notify_blocked=protection_blocks.notify_later,
        )
        mfa_parts = build_mfa(
            db,
            keyring,
            clock,
            throttle=protection.guessing,
            mailer=mailer,
            audit=audit,
            public_url=settings.public_url,
        )
        mfa = mfa_parts.service
        authenticator = Authenticator(
            writes=SqlSignInWrites(one_hop, db.cipher),
            audit=audit,
            users=users,
            sessions=sessions,
            guard=guard,
            mfa=mfa,
        )
        login = LoginFlow(
            issuer_of=settings.tenant_base_url,
            clock=clock,
            directory=LoginDirectory(
                applications=applications,
                apis=apis,
                users=users,
                sessions=sessions,
                cache=directory,
            ),
            sealer=InteractionSealer(keyring, clock),
            codes=codes,
            authenticator=authenticator,
            consents=ConsentService(db),
            guard=guard,
            mfa=mfa,
            pending=PendingSealer(keyring, clock),
            factors=FactorSteps(mfa, mfa_parts.passkeys, mfa_parts.email),
        )
        tenants = TenantService(db, keyring, clock, changes, provisioners=(management_api,))
        accounts = build_account_lifecycle(
            settings,
            db=db,
            keyring=keyring,
            clock=clock,
            users=users,
            passwords=passwords,
            hasher=hasher,
            mailer=mailer,
            audit=audit,
            counters=protection.counters,
            brute_force=protection.brute_force,
            guard=guard,
            ticket_store=sql_ticket_store,
        )
        user_import = UserImportService(users)
        exporter = BulkExporter(db, audit, clock)
        jobs = JobService(db, sql_job_repo, keyring, exporter, user_import, clock, changes)
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            kms=kms,
            keyring=keyring,
            hasher=hasher,
            tenants=tenants,
            applications=applications,
            apis=apis,
            client_grants=ClientGrantService(db, clock, changes),
            users=users,
            cookies=CookiePolicy.for_public_url(settings.public_url),
            pages=Pages(),
            sessions=sessions,
            user_sessions=UserSessionService(db, audit, clock),
            login=login,
            keys=keys,
            audit=audit,
            streams=StreamService(
                db, keyring, audit, clock, secrets=secrets, mail=mail, mail_from=settings.mail_from
            ),
            incident=IncidentService(db, audit, keys, clock),
            oauth=oauth,
            one_hop=one_hop,
            passwords=passwords,
            imported_hashes=imported,
            user_import=user_import,
            jobs=jobs,
            job_runner=JobRunner(jobs, node_id=_node_id()),
            mail=mail,
            mail_renderer=mail_renderer,
            mailer=mailer,
            http=http,
            protection=protection,
            protection_policies=protection_policies,
            protection_blocks=protection_blocks,
            roles=RoleService(db, clock, changes),
            management_api=management_api,
            verification_keys=KeyServiceVerificationKeys(keys),
            mfa=mfa,
            passkeys=mfa_parts.passkeys,
            factor_admin=mfa_parts.admin,
            metrics=metrics,
            secrets=secrets,
            privacy=build_privacy(
                settings,
                db=db,
                kms=kms,
                keyring=keyring,
                tenants=tenants,
                keys=keys,
                audit=audit,
                inventory=tenant_row_counts,
                clock=clock,
                secrets=secrets,
                forget_counters=protection.forget_user,
            ),
            accounts=accounts,
            directory=directory,
            generations=generations,
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


def key_policy(settings: Settings) -> KeyPolicy:
    """Signing-key rotation timing from settings (JW-04)."""
    return KeyPolicy(
        default_alg=settings.signing_alg,
        jwks_cache_ttl=timedelta(seconds=settings.jwks_cache_ttl),
        max_token_lifetime=timedelta(seconds=settings.max_token_lifetime),
    )


def token_policy(settings: Settings) -> TokenPolicy:
    """Token lifetimes from settings (OA-05, OA-08, OA-12)."""
    return TokenPolicy(
        code_lifetime=timedelta(seconds=settings.authorization_code_lifetime),
        refresh_idle=timedelta(seconds=settings.refresh_token_idle_lifetime),
        refresh_absolute=timedelta(seconds=settings.refresh_token_absolute_lifetime),
        id_token_lifetime=timedelta(seconds=settings.id_token_lifetime),
        userinfo_token_lifetime=timedelta(seconds=settings.userinfo_token_lifetime),
        max_token_lifetime=timedelta(seconds=settings.max_token_lifetime),
        default_signing_alg=settings.signing_alg,
    )


def cpu_count() -> int:
    return os.cpu_count() or 1


def password_checker(settings: Settings, http: httpx.AsyncClient | None) -> PasswordChecker:
    """Password policies per tenant, the shipped blocklist (loaded on first use) and, when
    enabled, the online HIBP range check (PW-03..PW-05)."""
    hibp = None
    if http is not None:
        hibp = HibpChecker(http, base_url=settings.hibp_url, fail_open=settings.hibp_fail_open)
    return PasswordChecker(
        BreachedPasswordList(),
        hibp=hibp,
        default=PasswordPolicy(
            min_length=settings.password_min_length,
            history_size=settings.password_history_size,
        ),
        overrides={
            name: PasswordPolicy(min_length=length, history_size=settings.password_history_size)
            for name, length in settings.password_min_length_by_tenant.items()
        },
    )


def mail_sender(
    settings: Settings, clock: Clock, secrets: OperationalSecrets | None = None
) -> EmailSender:
    """SMTP when a host is configured; otherwise the dev outbox in the data directory. The
    password comes from the secret store when `smtp_password_secret` names it."""
    if settings.smtp_host is None:
        return OutboxSender(settings.data_dir / "outbox", clock)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSender(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            password_secret=settings.smtp_password_secret,
            require_tls=settings.smtp_require_tls,
            implicit_tls=settings.smtp_implicit_tls,
        ),
        secrets=secrets.reader("smtp") if secrets is not None else None,
    )
