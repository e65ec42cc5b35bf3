"""The services over the tenant directory: applications, APIs, signing keys, users and
their passwords, attack protection, the secret store and account mail."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tier0.mail import EmailSender, MailRenderer
from tier0.mail.account import AccountMailer
from tier0.management.provision import ManagementApiProvisioner
from tier0.protection.assembly import AttackProtection, build_attack_protection
from tier0.secrets.operational import OperationalSecrets
from tier0.secrets.store import SecretStore
from tier0.services.applications import ApplicationService
from tier0.services.keys import KeyService
from tier0.services.protection_blocks import ProtectionBlocks
from tier0.services.protection_policies import ProtectionPolicies
from tier0.services.resource_servers import ResourceServerService
from tier0.services.users import UserService
from tier0.storage.sql.repos.password_history import sql_password_history
from tier0.storage.sql.repos.secrets import sql_secret_repo
from tier0.storage.sql.repos.signing_keys import sql_key_store
from tier0.storage.sql.repos.user_reads import SqlUserReads
from tier0.users.imported_verifier import ImportedHashVerifier
from tier0.users.password_checker import PasswordChecker
from tier0.users.passwords import PasswordHasher
from tier0.wiring.foundation import Foundation
from tier0.wiring.policies import key_policy, mail_sender, password_checker, password_hasher


@dataclass(frozen=True)
class Mail:
    secrets: SecretStore
    sender: EmailSender
    renderer: MailRenderer
    mailer: AccountMailer


def build_mail(f: Foundation) -> Mail:
    """Account mail, over SMTP whose password may live in the secret store."""
    secrets = SecretStore(f.db, sql_secret_repo, f.keyring, f.audit, f.clock)
    operational = OperationalSecrets(secrets, f.db, f.settings.default_tenant)
    sender = mail_sender(f.settings, f.clock, operational)
    renderer = MailRenderer(sender=f.settings.mail_from, clock=f.clock)
    return Mail(secrets, sender, renderer, AccountMailer(renderer, sender, f.clock))


@dataclass(frozen=True)
class Services:
    applications: ApplicationService
    apis: ResourceServerService
    keys: KeyService
    management_api: ManagementApiProvisioner
    protection: AttackProtection
    protection_policies: ProtectionPolicies
    protection_blocks: ProtectionBlocks
    http: httpx.AsyncClient | None
    hasher: PasswordHasher
    passwords: PasswordChecker
    imported: ImportedHashVerifier
    users: UserService
    mail: Mail


def build_services(f: Foundation) -> Services:
    settings, db, clock = f.settings, f.db, f.clock
    protection = build_attack_protection(settings, clock)
    protection_policies = ProtectionPolicies(
        db,
        clock,
        protection,
        f.changes,
        settings_rate_limits=settings.rate_limit_overrides,
        ttl_s=settings.protection_policy_cache_ttl,
        generation=f.directory.generation,
    )
    http = httpx.AsyncClient() if settings.hibp_check else None
    passwords = password_checker(settings, http)
    imported = ImportedHashVerifier()
    mail = build_mail(f)
    hasher = password_hasher(settings)
    users = UserService(
        db,
        hasher,
        clock,
        passwords=passwords,
        imported=imported,
        history=sql_password_history,
        mailer=mail.mailer,
        changes=f.changes,
        breached=protection_policies.breached,
        reads=SqlUserReads(f.one_hop, db.cipher) if db.cipher is not None else None,
    )
    protection_blocks = ProtectionBlocks(
        db,
        clock,
        protection,
        users=users,
        keyring=f.keyring,
        changes=f.changes,
        mailer=mail.mailer,
        base_url=settings.public_url,
    )
    return Services(
        applications=ApplicationService(db, f.keyring, clock, f.changes),
        apis=ResourceServerService(db, clock, f.changes),
        keys=KeyService(db, sql_key_store, f.keyring, clock, f.changes, key_policy(settings)),
        management_api=ManagementApiProvisioner(settings, clock),
        protection=protection,
        protection_policies=protection_policies,
        protection_blocks=protection_blocks,
        http=http,
        hasher=hasher,
        passwords=passwords,
        imported=imported,
        users=users,
        mail=mail,
    )
