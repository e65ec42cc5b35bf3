"""Brute-force blocks and suspicious-IP throttles: listing, lifting, and the unblock link.

One service for the management API (`/user-blocks`, `/anomaly/blocks/ips/{ip}`), the CLI
(`tier0 user unblock`, `tier0 ip unblock`) and the universal login's unblock page (BF-01).

The unblock link: when a failure blocks an IP for an account whose tenant has the
`user_notification` shield on, the user is mailed a link carrying 256 random bits. Only the
keyed hash of that secret is stored (design rule 6), with the user, the blocked IP and an
expiry; following the link and confirming spends it once (a conditional UPDATE) and lifts
that IP's block for that account. The mail goes out in the background, so a failed sign-in
that sets a block answers as fast as any other (BF-03).

Lifting is audited write-ahead (issue #6): blocks live in the counter store, which shares no
transaction with the event log, so the event of a lift is committed first (with the ticket
it spends, for the link) and the counter write follows. No lift ever happens without its
committed event; if the process dies or the counter store fails in between, the event
stands for a lift that did not take effect, the block stays until it expires, and lifting
again is harmless (docs/security-model.md, "Counter-store changes").
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import structlog

from tier0.audit.changes import ChangedBy, ChangeLog
from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.random import random_token
from tier0.domain import Tenant, User
from tier0.errors import InvalidInput
from tier0.mail.account import AccountMailer
from tier0.protection.assembly import AttackProtection
from tier0.protection.brute_force import Block
from tier0.protection.networks import parse_ip
from tier0.services.keyring import TenantKeyring
from tier0.services.users import UserService
from tier0.storage.sql.engine import SqlDatabase
from tier0.storage.sql.repos.protection import SqlProtectionRepo

log = structlog.get_logger("tier0.protection")

TICKET_PURPOSE = "brute-force-unblock"
TICKET_LIFETIME = timedelta(hours=1)


def identifier_key(identifier: str) -> str:
    """As the sign-in guard counts it: case and outer spaces do not make a new account."""
    return identifier.strip().lower()


def checked_ip(text: str) -> str:
    address = parse_ip(text)
    if address is None:
        raise InvalidInput("not an IP address")
    return str(address)


@dataclass(frozen=True, slots=True)
class Unblocked:
    """A spent unblock link: whose block on which IP, and whether one was still in force."""

    user_id: str
    ip: str
    lifted: int


class ProtectionBlocks:
    def __init__(
        self,
        db: SqlDatabase,
        clock: Clock,
        protection: AttackProtection,
        *,
        users: UserService,
        keyring: TenantKeyring,
        changes: ChangeLog,
        mailer: AccountMailer,
        base_url: str,
    ) -> None:
        self._db = db
        self._clock = clock
        self._protection = protection
        self._users = users
        self._keyring = keyring
        self._changes = changes
        self._mailer = mailer
        self._base_url = base_url
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def shared(self) -> bool:
        """Whether blocks live in shared storage (Redis) that another process can change.
        In embedded mode they live in the server's memory: only its own API can lift them."""
        return self._protection.redis is not None

    # -- brute-force blocks (Auth0 /user-blocks) ------------------------------------------

    async def blocks(self, tenant: Tenant, identifier: str) -> list[Block]:
        return await self._protection.brute_force.blocks_for(
            tenant.name, identifier_key(identifier)
        )

    async def user_blocks(self, tenant: Tenant, user_id: str) -> list[Block]:
        return await self.blocks(tenant, (await self._users.get(tenant, user_id)).email)

    async def unblock(
        self,
        tenant: Tenant,
        identifier: str,
        ip: str | None = None,
        *,
        by: ChangedBy,
        subject: tuple[str, str] | None = None,
    ) -> list[Block]:
        """Lift an identifier's blocks (one IP's, or all): the event first, then the lift.
        The event names ``subject`` (the user, else the tenant), never the identifier."""
        key = identifier_key(identifier)
        bf = self._protection.brute_force
        in_force = await bf.lifting(tenant.name, key, ip)
        async with self._db.transaction() as uow:
            await self._changes.write(
                uow, self._unblocked(tenant, by, subject or ("tenant", tenant.id), in_force)
            )
        return await bf.unblock(tenant.name, key, ip)

    async def unblock_user(self, tenant: Tenant, user_id: str, *, by: ChangedBy) -> list[Block]:
        user = await self._users.get(tenant, user_id)
        return await self.unblock(tenant, user.email, by=by, subject=("user", user_id))

    def _unblocked(
        self, tenant: Tenant, by: ChangedBy, subject: tuple[str, str], lifted: list[Block]
    ) -> SecurityEvent:
        kind, subject_id = subject
        return by.event(
            self._clock,
            EventType.BRUTE_FORCE_UNBLOCKED,
            tenant_id=tenant.id,
            subject=Subject.of(kind, subject_id),
            details={"via": by.via, "lifted": len(lifted), "ips": sorted(b.ip for b in lifted)},
        )

    # -- suspicious-IP throttles (Auth0 /anomaly/blocks/ips/{ip}) --------------------------

    async def ip_throttled(self, tenant: Tenant, ip: str) -> bool:
        return await self._protection.suspicious_ip.is_throttled(tenant.name, checked_ip(ip))

    async def unblock_ip(self, tenant: Tenant, ip: str, *, by: ChangedBy) -> bool:
        """Refill the IP's buckets and lift a stuffing flag, the event first; False (and
        nothing changed or written) when the IP was not throttled."""
        address = checked_ip(ip)
        sip = self._protection.suspicious_ip
        if not await sip.is_throttled(tenant.name, address):
            return False
        event = by.event(
            self._clock,
            EventType.MANAGEMENT_BLOCKS_DELETED,
            tenant_id=tenant.id,
            subject=Subject.of("ip", address),
            details={"via": by.via, "kind": "ip"},
        )
        async with self._db.transaction() as uow:
            await self._changes.write(uow, event)
        await sip.unblock(tenant.name, address)
        return True

    # -- the unblock link (BF-01) ---------------------------------------------------------

    def notify_later(self, tenant: Tenant, user: User, ip: str) -> None:
        """Mail the unblock link in the background when the tenant wants users notified."""
        if not self._protection.brute_force.policy(tenant.name).notifies:
            return
        task = asyncio.create_task(self._notify(tenant, user, ip))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _notify(self, tenant: Tenant, user: User, ip: str) -> None:
        try:
            link = await self.issue_link(tenant, user, ip)
            minutes = int(TICKET_LIFETIME.total_seconds() // 60)
            await self._mailer.account_blocked(tenant, user.email, link, minutes)
        except Exception as exc:  # noqa: BLE001 - a lost mail must not surface as an error
            log.error("unblock_mail_failed", tenant=tenant.name, error_type=type(exc).__name__)

    async def issue_link(self, tenant: Tenant, user: User, ip: str) -> str:
        """Store a new ticket and return the link carrying its secret (never logged)."""
        secret = random_token(32)
        key = await self._keyring.hash_key(tenant.id)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            await SqlProtectionRepo.of(uow).add_ticket(
                tenant.id,
                key.digest(secret, purpose=TICKET_PURPOSE),
                user_id=user.user_id,
                ip=ip,
                at=now,
                expires_at=now + TICKET_LIFETIME,
            )
        return f"{self._base_url}/t/{tenant.name}/u/unblock?ticket={secret}"

    async def _hash(self, tenant: Tenant, ticket: str) -> str | None:
        if not 16 <= len(ticket) <= 128:
            return None
        key = await self._keyring.hash_key(tenant.id)
        return key.digest(ticket, purpose=TICKET_PURPOSE)

    async def ticket_is_live(self, tenant: Tenant, ticket: str) -> bool:
        """For the confirmation page: nothing is spent by looking."""
        digest = await self._hash(tenant, ticket)
        if digest is None:
            return False
        async with self._db.read() as uow:
            found = await SqlProtectionRepo.of(uow).find_ticket(
                tenant.id, digest, self._clock.now()
            )
        return found is not None

    async def redeem(
        self, tenant: Tenant, ticket: str, *, ip: str | None, user_agent: str | None
    ) -> Unblocked | None:
        """Spend the ticket and lift that IP's block for that user; None if not live.
        The ticket is spent and the event written in one transaction, before the lift."""
        digest = await self._hash(tenant, ticket)
        if digest is None:
            return None
        async with self._db.transaction() as uow:
            found = await SqlProtectionRepo.of(uow).use_ticket(tenant.id, digest, self._clock.now())
            user = await uow.users.get(tenant.id, found.user_id) if found else None
            if found is None or user is None:
                return None
            key = identifier_key(user.email)
            in_force = await self._protection.brute_force.lifting(tenant.name, key, found.ip)
            by = ChangedBy(Actor.user(user.user_id), "unblock_link", ip=ip, user_agent=user_agent)
            subject = ("user", user.user_id)
            await self._changes.write(uow, self._unblocked(tenant, by, subject, in_force))
        lifted = await self._protection.brute_force.unblock(tenant.name, key, found.ip)
        return Unblocked(found.user_id, found.ip, len(lifted))

    async def aclose(self) -> None:
        """Let mails already on their way finish (shutdown)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
