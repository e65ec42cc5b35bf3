"""Creating and managing log streams, and building the sender each one needs.

Stream secrets (the webhook signing key, SIEM tokens) live in the tenant's versioned secret
store as ``log-streams/<stream id>`` (see :mod:`.secrets`): sealed there, every read
audited. Streams made before that kept theirs sealed in their own row;
``move_legacy_secrets`` moves them at start-up. Changes to streams are themselves audited,
in the same transaction.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import httpx

from tier0.audit.changes import FieldChange
from tier0.audit.detect import Detector, Thresholds
from tier0.audit.event import Actor, SecurityEvent, Subject
from tier0.audit.events import Category, EventType
from tier0.audit.log import AuditLog, ChainKeys
from tier0.audit.store import EventQuery
from tier0.audit.streams.changes import stream_changes
from tier0.audit.streams.config import check_config, check_name, check_secret
from tier0.audit.streams.email import AlertMailSender
from tier0.audit.streams.model import LogStream, StreamKind, StreamStatus
from tier0.audit.streams.relay import RelayDatabase
from tier0.audit.streams.secrets import SecretStorePort, StreamSecrets
from tier0.audit.streams.senders import (
    DeliveryError,
    JsonLinesSender,
    Sender,
    SyslogSender,
    WebhookSender,
)
from tier0.audit.streams.siem import DatadogSender, SplunkHecSender
from tier0.clock import Clock
from tier0.crypto.aead import DecryptionError, aad_for, open_
from tier0.crypto.kms.base import KmsError
from tier0.crypto.random import random_id
from tier0.errors import Conflict, InvalidInput, NotFound, Tier0Error
from tier0.mail.sender import EmailSender

logger = logging.getLogger(__name__)
_SUBKEY_LABEL: Final = "log-stream-secret"
#: The states an operator may set; ``dead`` is the relay's, left with ``replay``.
SETTABLE_STATUS: Final = frozenset({StreamStatus.ACTIVE, StreamStatus.PAUSED})


def _aad(stream: LogStream) -> bytes:
    return aad_for(stream.tenant_id, "log_streams", "secret_sealed", stream.id)


@dataclass(frozen=True, slots=True)
class StreamPatch:
    """What an update may change; None leaves a field as it is. The kind never changes."""

    name: str | None = None
    config: Mapping[str, str] | None = None
    categories: Sequence[Category] | None = None
    status: StreamStatus | None = None
    secret: str | None = None


class StreamService:
    def __init__(
        self,
        db: RelayDatabase,
        keys: ChainKeys,
        audit: AuditLog,
        clock: Clock,
        *,
        secrets: SecretStorePort,
        http: httpx.AsyncClient | None = None,
        mail: EmailSender | None = None,
        mail_from: str = "tier0 <no-reply@localhost>",
    ) -> None:
        self._secrets = StreamSecrets(secrets)
        self._db = db
        self._mail = mail
        self._mail_from = mail_from
        self._keys = keys
        self._audit = audit
        self._clock = clock
        # No redirects: a webhook answering 3xx must not bounce signed events elsewhere.
        self._http = http or httpx.AsyncClient(timeout=10.0, follow_redirects=False)

    async def _key(self, tenant_id: str) -> bytes:
        return await self._keys.subkey(tenant_id, _SUBKEY_LABEL)

    def _event(
        self,
        event_type: EventType,
        stream: LogStream,
        actor: Actor,
        changes: Sequence[FieldChange] = (),
    ) -> SecurityEvent:
        return SecurityEvent.create(
            event_type,
            clock=self._clock,
            tenant_id=stream.tenant_id,
            actor=actor,
            subject=Subject("log_stream", stream.id),
            details={
                "kind": str(stream.kind),
                "cursor": stream.cursor,
                "fields": [c.field for c in changes],
                "changes": [c.as_detail() for c in changes],
            },
        )

    async def create(
        self,
        tenant_id: str,
        name: str,
        kind: StreamKind,
        config: Mapping[str, str],
        *,
        actor: Actor,
        categories: Sequence[Category] = (),
        secret: str | None = None,
        from_start: bool = False,
        generate_secret: bool = True,
    ) -> tuple[LogStream, str | None]:
        """Create a stream; returns it and, for webhooks, the signing secret (shown once).

        A new stream starts after the newest event unless ``from_start`` backfills it.
        ``generate_secret=False`` (the management API, where secrets are write-only) makes
        a webhook without a given secret an error rather than a made-up key.
        """
        checked = check_config(kind, config)
        secret = check_secret(kind, secret, generate=generate_secret)
        stream = LogStream(
            id=random_id("lst_"),
            tenant_id=tenant_id,
            name=check_name(name),
            kind=kind,
            config=checked,
            categories=tuple(categories),
            created_at=self._clock.now(),
        )
        async with self._db.transaction() as uow:
            if await uow.streams.get_by_name(tenant_id, name) is not None:
                raise Conflict(f"a log stream named {name!r} exists")
            if not from_start:
                newest = await uow.events.search(
                    EventQuery(tenant_id=tenant_id, limit=1, newest_first=True)
                )
                stream = replace(stream, cursor=newest[0].seq if newest else 0)
            await uow.streams.add(stream, None)
            created = stream_changes(None, stream, secret=bool(secret))
            event = self._event(EventType.MANAGEMENT_LOG_STREAMS_CREATED, stream, actor, created)
            await self._audit.record(uow, event)
            if secret:  # recorded by the creation event above, in this transaction
                await self._secrets.put(uow, stream, secret, actor=actor, audited=True)
        return stream, secret

    async def get(self, tenant_id: str, name: str) -> LogStream:
        async with self._db.read() as uow:
            stream = await uow.streams.get_by_name(tenant_id, name)
        if stream is None:
            raise NotFound(f"no log stream named {name!r}")
        return stream

    async def get_by_id(self, tenant_id: str, stream_id: str) -> LogStream:
        async with self._db.read() as uow:
            stream = await uow.streams.get(tenant_id, stream_id)
        if stream is None:
            raise NotFound("no such log stream")
        return stream

    async def update(
        self, tenant_id: str, stream_id: str, patch: StreamPatch, *, actor: Actor
    ) -> LogStream:
        """Change a stream's name, settings, filter, status or secret (a new version in the
        secret store); the event names the fields changed, never the secret or values."""
        if patch.status is not None and patch.status not in SETTABLE_STATUS:
            raise InvalidInput("status must be active or paused")
        async with self._db.transaction() as uow:
            old = await uow.streams.get(tenant_id, stream_id)
            if old is None:
                raise NotFound("no such log stream")
            new = replace(
                old,
                name=check_name(patch.name) if patch.name is not None else old.name,
                config=check_config(old.kind, patch.config) if patch.config else old.config,
                categories=tuple(patch.categories)
                if patch.categories is not None
                else old.categories,
                status=patch.status or old.status,
            )
            if new.name != old.name and await uow.streams.get_by_name(tenant_id, new.name):
                raise Conflict(f"a log stream named {new.name!r} exists")
            await uow.streams.update(new, None)
            changed = stream_changes(old, new, secret=patch.secret is not None)
            event = self._event(EventType.MANAGEMENT_LOG_STREAMS_UPDATED, new, actor, changed)
            await self._audit.record(uow, event)
            if patch.secret is not None:
                secret = check_secret(old.kind, patch.secret, generate=False)
                if secret:  # recorded by the update event above, in this transaction
                    await self._secrets.put(uow, new, secret, actor=actor, audited=True)
        return new

    async def list(self, tenant_id: str) -> Sequence[LogStream]:
        async with self._db.read() as uow:
            return await uow.streams.list(tenant_id)

    async def replay(self, tenant_id: str, name: str, *, after_seq: int, actor: Actor) -> None:
        """Re-deliver from ``after_seq`` (exclusive) and revive a dead-lettered stream."""
        if after_seq < 0:
            raise InvalidInput("the replay cursor must not be negative")
        stream = await self.get(tenant_id, name)
        async with self._db.transaction() as uow:
            await uow.streams.reset(stream.id, after_seq)
            moved = replace(stream, cursor=after_seq)
            cursor = [FieldChange("cursor", stream.cursor, after_seq)]
            event = self._event(EventType.MANAGEMENT_LOG_STREAMS_UPDATED, moved, actor, cursor)
            await self._audit.record(uow, event)

    async def delete(
        self, tenant_id: str, name: str | None = None, *, actor: Actor, stream_id: str = ""
    ) -> None:
        """Delete a stream named ``name`` (the CLI) or with id ``stream_id`` (the API)."""
        if name is not None:
            stream = await self.get(tenant_id, name)
        else:
            stream = await self.get_by_id(tenant_id, stream_id)
        async with self._db.transaction() as uow:
            await uow.streams.delete(tenant_id, stream.id)
            await self._secrets.delete(uow, stream, actor=actor)
            deleted = stream_changes(stream, None)
            event = self._event(EventType.MANAGEMENT_LOG_STREAMS_DELETED, stream, actor, deleted)
            await self._audit.record(uow, event)

    async def sender(self, stream: LogStream) -> Sender:
        """The sender for ``stream`` (the relay's sender factory). A stream whose secret
        cannot be opened fails on its own; it never stops the relay for the others."""
        try:
            return await self._sender(stream)
        except (KmsError, Tier0Error) as exc:
            raise DeliveryError(f"the stream's key is unavailable: {type(exc).__name__}") from exc

    async def _secret(self, stream: LogStream) -> bytes:
        """The stream's secret (webhook key or SIEM token): from the secret store, or, for a
        stream not yet moved there, sealed in its own row."""
        stored = await self._secrets.value(stream)
        if stored is not None:
            return stored
        async with self._db.read() as uow:
            sealed = await uow.streams.sealed_secret(stream.id)
        if sealed is None:
            raise DeliveryError(f"the {stream.kind} stream has no secret")
        try:
            return open_(await self._key(stream.tenant_id), sealed, aad=_aad(stream))
        except DecryptionError as exc:
            raise DeliveryError(f"the {stream.kind} secret cannot be opened") from exc

    async def move_legacy_secrets(self) -> int:
        """Move secrets still sealed in ``log_streams`` into the secret store (start-up)."""
        async with self._db.read() as uow:
            legacy = await uow.streams.with_sealed_secret()
        moved = 0
        for stream, sealed in legacy:
            try:
                value = open_(await self._key(stream.tenant_id), sealed, aad=_aad(stream))
            except (DecryptionError, KmsError, Tier0Error):
                # Start-up must not stop on one stream: it keeps failing on its own.
                logger.warning("log stream %s: its sealed secret cannot be opened", stream.id)
                continue
            moved += 1
            async with self._db.transaction() as uow:
                await self._secrets.put(
                    uow, stream, value.decode(), actor=Actor.system("migrate"), audited=False
                )
                await uow.streams.clear_secret(stream.id)
        return moved

    async def _sender(self, stream: LogStream) -> Sender:
        if stream.kind is StreamKind.WEBHOOK:
            secret = await self._secret(stream)
            return WebhookSender(stream.config["url"], secret, self._clock, self._http)
        if stream.kind is StreamKind.SPLUNK:
            token = await self._secret(stream)
            index = stream.config.get("index")
            return SplunkHecSender(stream.config["url"], token, self._http, index=index)
        if stream.kind is StreamKind.DATADOG:
            key = await self._secret(stream)
            service = stream.config.get("service", "tier0")
            return DatadogSender(stream.config["url"], key, self._http, service=service)
        if stream.kind is StreamKind.SYSLOG:
            context = None
            if stream.config.get("tls") == "true":
                context = ssl.create_default_context(cafile=stream.config.get("ca_file"))
            return SyslogSender(
                stream.config["host"], int(stream.config["port"]), ssl_context=context
            )
        if stream.kind is StreamKind.EMAIL:
            if self._mail is None:
                raise DeliveryError("no mail transport is configured")
            return AlertMailSender(
                self._mail,
                sender=self._mail_from,
                recipients=stream.config["to"].split(","),
                clock=self._clock,
            )
        if stream.kind is StreamKind.DETECT:
            thresholds = Thresholds.from_config(stream.config)
            return Detector(stream.tenant_id, self._audit, self._clock, thresholds)
        return JsonLinesSender(Path(stream.config["path"]))

    async def aclose(self) -> None:
        await self._http.aclose()
