"""The account lifecycle of the universal login, assembled: sign-up, verification, reset,
change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tier0.audit.log import AuditLog
from tier0.cache.counters import CounterStore
from tier0.clock import Clock
from tier0.login.account_support import (
    AccountEvents,
    AccountLinks,
    MailedLinkDeps,
    MailThrottle,
)
from tier0.login.guard import SignInGuard
from tier0.login.password_change import PasswordChange
from tier0.login.reset import PasswordReset
from tier0.login.signup import SignupService
from tier0.login.ticket_guard import TicketGuard
from tier0.login.verification import EmailVerification
from tier0.mail.account import AccountMailer
from tier0.protection.brute_force import BruteForceProtection
from tier0.protection.guessing import GuessThrottle
from tier0.protection.suspicious_ip import SuspiciousIpThrottle
from tier0.services.keyring import TenantKeyring
from tier0.services.users import UserService
from tier0.settings import Settings
from tier0.storage.ports import Database, UnitOfWork
from tier0.users.password_checker import PasswordChecker
from tier0.users.passwords import PasswordHasher
from tier0.users.tickets import Tickets, TicketStore

__all__ = ["AccountLifecycle", "build_account_lifecycle"]


@dataclass(frozen=True)
class AccountLifecycle:
    tickets: Tickets
    signup: SignupService
    verification: EmailVerification
    reset: PasswordReset
    change: PasswordChange
    #: BF-04 for the tickets of reset, verification and unblock links (the pages call it).
    ticket_guard: TicketGuard


def build_account_lifecycle(
    settings: Settings,
    *,
    db: Database,
    keyring: TenantKeyring,
    clock: Clock,
    users: UserService,
    passwords: PasswordChecker,
    hasher: PasswordHasher,
    mailer: AccountMailer,
    audit: AuditLog,
    counters: CounterStore,
    brute_force: BruteForceProtection,
    suspicious_ip: SuspiciousIpThrottle,
    guessing: GuessThrottle,
    guard: SignInGuard,
    ticket_store: Callable[[UnitOfWork], TicketStore],
) -> AccountLifecycle:
    tickets = Tickets(db, keyring, clock, ticket_store)
    links = AccountLinks(settings.tenant_base_url)
    throttle = MailThrottle(counters, keyring)
    deps = MailedLinkDeps(
        db=db, users=users, tickets=tickets, mailer=mailer, links=links,
        throttle=throttle, audit=audit, clock=clock,
    )  # fmt: skip
    verification = EmailVerification(
        deps, lifetime=timedelta(seconds=settings.email_verification_lifetime)
    )
    reset = PasswordReset(
        deps,
        lifetime=timedelta(seconds=settings.password_reset_lifetime),
        brute_force=brute_force,
    )
    signup = SignupService(
        users=users,
        passwords=passwords,
        hasher=hasher,
        verification=verification,
        mailer=mailer,
        links=links,
        throttle=throttle,
        suspicious_ip=suspicious_ip,
        audit=audit,
        clock=clock,
    )
    change = PasswordChange(db=db, users=users, guard=guard, audit=audit, clock=clock)
    ticket_guard = TicketGuard(guessing, counters, AccountEvents(audit, clock))
    return AccountLifecycle(tickets, signup, verification, reset, change, ticket_guard)
