"""A log stream's create/update/delete events record its settings before and after, and its
secret only as "[redacted]" (LG-02); a URL keeps no query or user info."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import unique
from tier0.audit import Actor, EventType, event_to_dict
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.audit.streams import StreamKind
from tier0.audit.streams.service import StreamPatch
from tier0.container import Container

ADMIN = Actor.admin("adm_streams")


def _changes(event: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c["field"]: (c["from"], c["to"]) for c in event["details"]["changes"]}


async def test_lg02_stream_events_show_settings_but_never_the_secret(container: Container) -> None:
    tenant = await container.tenants.create(unique("streams"), by=ChangedBy.cli())
    token_in_url = "q" + unique("urltoken")
    url = f"https://siem.example/hook?token={token_in_url}"
    stream, first = await container.streams.create(
        tenant.id, "siem", StreamKind.WEBHOOK, {"url": url}, actor=ADMIN
    )
    second = "s" * 8 + unique("second-secret").replace("-", "x") + "y" * 16
    patch = StreamPatch(name="siem-eu", secret=second)
    await container.streams.update(tenant.id, stream.id, patch, actor=ADMIN)
    await container.streams.delete(tenant.id, stream_id=stream.id, actor=ADMIN)

    logged = await container.audit.search(EventQuery(tenant_id=tenant.id, limit=100))
    by_type = {item.event.type: event_to_dict(item.event) for item in logged}
    created = _changes(by_type[EventType.MANAGEMENT_LOG_STREAMS_CREATED])
    assert created["config.url"] == (None, "https://siem.example/hook")
    assert created["secret"] == (None, "[redacted]")
    assert created["kind"] == (None, "webhook")
    updated = _changes(by_type[EventType.MANAGEMENT_LOG_STREAMS_UPDATED])
    assert updated == {"name": ("siem", "siem-eu"), "secret": ("[redacted]", "[redacted]")}
    deleted = _changes(by_type[EventType.MANAGEMENT_LOG_STREAMS_DELETED])
    assert deleted["name"] == ("siem-eu", None)
    dumped = json.dumps(list(by_type.values()))
    assert first is not None
    for secret in (first, second, token_in_url):
        assert secret not in dumped
