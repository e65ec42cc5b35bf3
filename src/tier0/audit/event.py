"""One security event: who did what to whom, when, from where, and how it ended (LG-01).

Build events with :meth:`SecurityEvent.create` (or :meth:`EventContext.event` inside a
request). That path escapes CR/LF and control characters in every string, truncates
over-long values, redacts emails and bearer tokens found in data, and refuses detail keys
that look like secrets or personal data (LG-02). Constructing the dataclass directly only
*checks* those rules, so an unclean event cannot exist at all.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from tier0.audit.events import EventType
from tier0.audit.sanitize import (
    JsonValue,
    check_text,
    clean_details,
    clean_optional,
    clean_text,
    freeze_details,
)
from tier0.clock import Clock

ID_PREFIX: Final = "evt_"
_ID_RE: Final = re.compile(r"evt_[a-z2-7]{26}")
_KIND_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_ID: Final = 256
MAX_IP: Final = 64


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"

    @classmethod
    def of(cls, event_type: EventType) -> Outcome:
        """The outcome an event type implies (fixed by the vocabulary, not by the caller)."""
        return cls.FAILURE if event_type.is_failure else cls.SUCCESS


class ActorKind(StrEnum):
    USER = "user"
    CLIENT = "client"
    ADMIN = "admin"
    SYSTEM = "system"


def new_event_id() -> str:
    """``evt_`` + 26 base32 characters: 128 random bits from :mod:`secrets`."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii")
    return ID_PREFIX + raw.rstrip("=").lower()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused the event. ``id`` is a user id, client id or admin id; never an email."""

    kind: ActorKind
    id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ActorKind(self.kind))
        if self.id is not None:
            check_text(self.id, limit=MAX_ID)
        if self.kind is not ActorKind.SYSTEM and not self.id:
            raise ValueError(f"a {self.kind} actor needs an id")

    @classmethod
    def user(cls, user_id: str) -> Actor:
        return cls(ActorKind.USER, clean_text(user_id, limit=MAX_ID))

    @classmethod
    def client(cls, client_id: str) -> Actor:
        return cls(ActorKind.CLIENT, clean_text(client_id, limit=MAX_ID))

    @classmethod
    def admin(cls, admin_id: str) -> Actor:
        return cls(ActorKind.ADMIN, clean_text(admin_id, limit=MAX_ID))

    @classmethod
    def system(cls, component: str | None = None) -> Actor:
        """tier0 itself (a detection rule, the relay, a scheduled job)."""
        return cls(ActorKind.SYSTEM, clean_optional(component, limit=MAX_ID))

    @classmethod
    def anonymous(cls) -> Actor:
        """Nobody known yet: a failed sign-in for an unknown user is done by the system's
        caller, which we can only describe by IP and user agent."""
        return cls(ActorKind.SYSTEM, "anonymous")


@dataclass(frozen=True, slots=True)
class Subject:
    """What the event is about: ``Subject("user", "usr_...")``, ``Subject("client", ...)``."""

    kind: str
    id: str

    def __post_init__(self) -> None:
        if not _KIND_RE.fullmatch(self.kind):
            raise ValueError("subject kind must be a short snake_case word")
        if not self.id:
            raise ValueError("a subject needs an id")
        check_text(self.id, limit=MAX_ID)

    @classmethod
    def of(cls, kind: str, id_: str) -> Subject:
        """Build a subject from untrusted text, escaping and truncating the id."""
        return cls(kind, clean_text(id_, limit=MAX_ID))


def _empty_details() -> Mapping[str, JsonValue]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityEvent:
    """An immutable, secret-free record of one security-relevant action.

    The fields mirror Auth0's log object (``date``, ``type``, ``client_id``, ``ip``,
    ``user_agent``, ``user_id``, ``details``) plus what a SIEM needs to correlate:
    tenant, actor, outcome and request id.
    """

    id: str
    time: datetime
    tenant_id: str
    type: EventType
    outcome: Outcome
    actor: Actor
    subject: Subject | None = None
    client_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    details: Mapping[str, JsonValue] = field(default_factory=_empty_details)

    def __post_init__(self) -> None:
        if not _ID_RE.fullmatch(self.id):
            raise ValueError("event id must come from new_event_id()")
        if self.time.tzinfo is None or self.time.utcoffset() != timedelta(0):
            raise ValueError("event time must be timezone-aware UTC")
        object.__setattr__(self, "time", self.time.astimezone(UTC))
        object.__setattr__(self, "type", EventType(self.type))
        if Outcome(self.outcome) is not Outcome.of(self.type):
            raise ValueError(f"{self.type} always has outcome {Outcome.of(self.type)}")
        object.__setattr__(self, "outcome", Outcome.of(self.type))
        if not self.tenant_id:
            raise ValueError("an event belongs to a tenant")
        check_text(self.tenant_id, limit=MAX_ID)
        for name, limit in (("client_id", MAX_ID), ("ip", MAX_IP), ("request_id", MAX_ID)):
            value = getattr(self, name)
            if value is not None:
                check_text(value, limit=limit)
        if self.user_agent is not None:
            check_text(self.user_agent)
        object.__setattr__(self, "details", freeze_details(self.details))

    @classmethod
    def create(
        cls,
        type: EventType,
        *,
        clock: Clock,
        tenant_id: str,
        actor: Actor,
        subject: Subject | None = None,
        client_id: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        request_id: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> SecurityEvent:
        """The one way to build an event from request data: cleans every string (LG-02)."""
        return cls(
            id=new_event_id(),
            time=clock.now(),
            tenant_id=clean_text(tenant_id, limit=MAX_ID),
            type=type,
            outcome=Outcome.of(type),
            actor=actor,
            subject=subject,
            client_id=clean_optional(client_id, limit=MAX_ID),
            ip=clean_optional(ip, limit=MAX_IP),
            user_agent=clean_optional(user_agent),
            request_id=clean_optional(request_id, limit=MAX_ID),
            details=clean_details(details),
        )


@dataclass(frozen=True, slots=True)
class EventContext:
    """The facts every event of one request shares, so call sites only add what differs.

    >>> ctx = EventContext(clock, tenant_id="acme", ip=ip, user_agent=ua, request_id=rid)
    >>> await sink.emit(ctx.event(EventType.USER_LOGIN_SUCCEEDED, actor=Actor.user(uid)))
    """

    clock: Clock
    tenant_id: str
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    client_id: str | None = None

    def event(
        self,
        type: EventType,
        *,
        actor: Actor,
        subject: Subject | None = None,
        client_id: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> SecurityEvent:
        return SecurityEvent.create(
            type,
            clock=self.clock,
            tenant_id=self.tenant_id,
            actor=actor,
            subject=subject,
            client_id=client_id if client_id is not None else self.client_id,
            ip=self.ip,
            user_agent=self.user_agent,
            request_id=self.request_id,
            details=details,
        )
