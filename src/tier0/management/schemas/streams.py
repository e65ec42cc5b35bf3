"""Log streams: settings in, settings and delivery state out. The secret (a webhook's
signing key, a Splunk or Datadog token) is write-only: accepted in a body, sealed, and never
part of any answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr

from tier0.audit.events import Category
from tier0.management.schemas.common import NO_CONTROL, Out, Strict

StreamType = Literal["webhook", "syslog", "jsonl", "splunk", "datadog", "email", "detect"]
StreamName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
ConfigValue = Annotated[str, Field(max_length=2048, pattern=NO_CONTROL)]
Config = Annotated[dict[Annotated[str, Field(max_length=64)], ConfigValue], Field(max_length=16)]
Secret = Annotated[SecretStr, Field(min_length=1, max_length=4096)]


class LogStreamCreate(Strict):
    """A new stream. `config` holds the kind's settings (`url`; `host`, `port`, `tls`;
    `path`; `index`; `service`; `to`; detection thresholds); `secret` is the webhook
    signing key (at least 32 characters) or the Splunk/Datadog token."""

    name: StreamName
    type: StreamType
    config: Annotated[Config, Field(default_factory=dict)]
    filters: Annotated[list[Category], Field(max_length=32, default_factory=list)]
    secret: Secret | None = None
    from_start: bool = False


class LogStreamUpdate(Strict):
    """Fields to change; the type is fixed. `status` pauses or resumes delivery."""

    name: StreamName | None = None
    config: Config | None = None
    filters: Annotated[list[Category], Field(max_length=32)] | None = None
    status: Literal["active", "paused"] | None = None
    secret: Secret | None = None


class LogStreamOut(Out):
    """A stream's settings and delivery state; never its secret."""

    id: str
    name: str
    type: str
    status: str
    filters: list[str]
    config: dict[str, str]
    cursor: int
    failures: int
    last_error: str | None
    created_at: str | None
