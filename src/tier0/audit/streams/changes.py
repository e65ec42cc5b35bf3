"""What a log stream's ``management.log_streams.*`` events record of a change (LG-02).

The settings are recorded before and after like any configuration change; the secret
(webhook signing key, Splunk or Datadog token) only as ``"[redacted]"``, and a URL without
its user info and query, where a receiver's token sometimes rides.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from tier0.audit.changes import REDACTED, FieldChange, FieldValue, diff
from tier0.audit.streams.model import LogStream


def _bare_url(value: str) -> str:
    parts = urlsplit(value)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def stream_fields(stream: LogStream) -> dict[str, FieldValue]:
    fields: dict[str, FieldValue] = {
        "name": stream.name,
        "kind": str(stream.kind),
        "status": str(stream.status),
        "categories": tuple(str(c) for c in stream.categories),
    }
    for key, value in sorted(stream.config.items()):
        fields[f"config.{key}"] = _bare_url(value) if key == "url" else value
    return fields


def stream_changes(
    before: LogStream | None, after: LogStream | None, *, secret: bool = False
) -> Sequence[FieldChange]:
    """The changed settings, and ``secret`` as a changed flag when a secret was set."""
    changes = list(
        diff(
            stream_fields(before) if before else None,
            stream_fields(after) if after else None,
        )
    )
    if secret:
        changes.append(FieldChange("secret", REDACTED if before else None, REDACTED))
    return changes
