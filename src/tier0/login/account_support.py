"""What sign-up, verification and reset share: links, a per-address mail throttle, events.

The throttle counts mails per tenant and address (at most one a minute and five an hour by
default), so the "send me a link" forms cannot turn tier0 into a mail cannon aimed at one
inbox. Counter keys hold a keyed hash of the address, never the address. When the counters
cannot be reached no mail is sent (fail closed: a lost mail can be asked for again).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import structlog

from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.audit.log import AuditLog
from tier0.cache.counters import CounterStore
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.services.keyring import TenantKeyring

if TYPE_CHECKING:
    from tier0.mail.account import AccountMailer
    from tier0.services.users import UserService
    from tier0.storage.ports import Database, UnitOfWork
    from tier0.users.tickets import Purpose, Tickets

__all__ = ["AccountEvents", "AccountLinks", "MailThrottle", "MailedLinkDeps", "MailedLinkFlow"]

log = structlog.get_logger("tier0.accounts")

_LIMITS = ((60, 1), (3_600, 5))  # (window seconds, mails), per tenant and address


class AccountLinks:
    """Absolute URLs of the account pages, for mails (under the tenant's issuer)."""

    def __init__(self, tenant_base_url: Callable[[str], str]) -> None:
        self._base = tenant_base_url

    def page(self, tenant: Tenant, path: str, **query: str) -> str:
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self._base(tenant.name)}/u/{path}{suffix}"


class MailThrottle:
    """May another mail of ``kind`` go to this address now?"""

    def __init__(self, counters: CounterStore, keyring: TenantKeyring) -> None:
        self._counters = counters
        self._keyring = keyring

    async def allow(self, tenant: Tenant, email: str, kind: str) -> bool:
        key = await self._keyring.hash_key(tenant.id)
        who = key.digest(email.strip().lower(), purpose="mail-throttle")
        try:
            for window, limit in _LIMITS:
                count = await self._counters.incr(f"mail:{kind}:{window}:{who}", window_s=window)
                if count > limit:
                    return False
        except Exception as exc:  # noqa: BLE001 - any counter failure: no mail (fail closed)
            log.warning("mail_throttle_unavailable", kind=kind, error_type=type(exc).__name__)
            return False
        return True


class AccountEvents:
    """Security events of the account pages (best effort outside a transaction)."""

    def __init__(self, audit: AuditLog, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock

    def build(
        self,
        kind: EventType,
        tenant: Tenant,
        *,
        user_id: str | None = None,
        ip: str | None = None,
        details: Mapping[str, object] | None = None,
        by_user: bool = False,
    ) -> SecurityEvent:
        """``user_id`` is the subject; the actor is that user only with ``by_user`` (a link
        from their mailbox was used), else whoever filled in a public form: anonymous."""
        return SecurityEvent.create(
            kind,
            clock=self._clock,
            tenant_id=tenant.id,
            actor=Actor.user(user_id) if user_id and by_user else Actor.anonymous(),
            subject=Subject.of("user", user_id) if user_id else None,
            ip=ip,
            details=details,
        )

    async def emit(
        self,
        kind: EventType,
        tenant: Tenant,
        *,
        user_id: str | None = None,
        ip: str | None = None,
        details: Mapping[str, object] | None = None,
        by_user: bool = False,
    ) -> None:
        event = self.build(kind, tenant, user_id=user_id, ip=ip, details=details, by_user=by_user)
        try:
            await self._audit.emit(event)
        except Exception as exc:  # noqa: BLE001 - a lost event must not fail the page
            log.error("account_event_failed", event=str(kind), error_type=type(exc).__name__)


@dataclass(frozen=True)
class MailedLinkDeps:
    """What every "we mailed you a link" flow (verification, reset) is built from."""

    db: Database
    users: UserService
    tickets: Tickets
    mailer: AccountMailer
    links: AccountLinks
    throttle: MailThrottle
    audit: AuditLog
    clock: Clock


class MailedLinkFlow:
    """Base of the flows that mail a single-use link and redeem it within ``lifetime``."""

    def __init__(self, deps: MailedLinkDeps, *, lifetime: timedelta) -> None:
        self._db = deps.db
        self._users = deps.users
        self._tickets = deps.tickets
        self._mailer = deps.mailer
        self._links = deps.links
        self._throttle = deps.throttle
        self._audit = deps.audit
        self._clock = deps.clock
        self._events = AccountEvents(deps.audit, deps.clock)
        self._lifetime = lifetime

    async def _issue(
        self, tenant: Tenant, user_id: str, purpose: Purpose, event: SecurityEvent
    ) -> str:
        """A new link ticket for ``user_id``, with ``event`` written in the
        ticket's transaction (issue #6): a link that exists has its event, and vice versa.
        The mail goes out after the commit, so the event cannot say whether it arrived; a
        failed delivery is logged by the mailer (``mail.delivery_failed``)."""
        await self._audit.chain_key(tenant.id)  # cached now: no key read in the transaction

        async def record(uow: UnitOfWork) -> None:
            await self._audit.record(uow, event)

        return await self._tickets.issue(tenant, user_id, purpose, self._lifetime, also=record)
