"""Senders for hosted SIEM intakes: Splunk HTTP Event Collector and Datadog logs intake.

Both POST over HTTPS with the token from the stream's sealed credentials in a header and
never in the URL, a log line or an error message (LG-02):

- Splunk HEC: ``Authorization: Splunk <token>``; the body is the batch as concatenated
  JSON event objects (``{"time": ..., "source": "tier0", "sourcetype": ..., "event": ...}``),
  which HEC accepts on ``/services/collector/event``; it acknowledges with 2xx and
  ``{"code": 0}``.
- Datadog: ``DD-API-KEY: <key>``; the body is a JSON array of log items (``ddsource``,
  ``service``, ``message``) for ``/api/v2/logs``; it acknowledges with 202.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import httpx

from tier0.audit.streams.senders import DeliveryError

DATADOG_DEFAULT_URL: Final = "https://http-intake.logs.datadoghq.com/api/v2/logs"
SPLUNK_SOURCETYPE: Final = "tier0:event"


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


def _epoch(record: Mapping[str, Any]) -> float | None:
    """The record's time as Unix seconds (HEC's ``time``), if it carries one."""
    stamp = record.get("time")
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


async def _post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: Mapping[str, str], name: str
) -> httpx.Response:
    try:
        return await client.post(url, content=body, headers=dict(headers))
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{name} unreachable: {type(exc).__name__}") from exc


class SplunkHecSender:
    """Batches records to a Splunk HTTP Event Collector."""

    def __init__(
        self,
        url: str,
        token: bytes,
        client: httpx.AsyncClient,
        *,
        index: str | None = None,
        sourcetype: str = SPLUNK_SOURCETYPE,
    ) -> None:
        self._url = url
        self._token = token.decode("ascii")
        self._client = client
        self._index = index
        self._sourcetype = sourcetype

    def body(self, records: Sequence[Mapping[str, Any]]) -> bytes:
        events = []
        for record in records:
            event: dict[str, Any] = {
                "source": "tier0",
                "sourcetype": self._sourcetype,
                "event": dict(record),
            }
            if (when := _epoch(record)) is not None:
                event["time"] = when
            if self._index:
                event["index"] = self._index
            events.append(_json(event))
        return "\n".join(events).encode("ascii")

    async def send(self, records: Sequence[Mapping[str, Any]]) -> None:
        headers = {"Authorization": f"Splunk {self._token}", "Content-Type": "application/json"}
        response = await _post(self._client, self._url, self.body(records), headers, "splunk")
        if not response.is_success:
            raise DeliveryError(f"splunk answered HTTP {response.status_code}")
        try:
            code = response.json().get("code", 0)
        except (ValueError, AttributeError):
            code = 0  # a 2xx without a JSON body: HEC behind a proxy; the status decides
        if code != 0:
            raise DeliveryError(f"splunk refused the batch (code {code})")


class DatadogSender:
    """Batches records to the Datadog logs intake (v2)."""

    def __init__(
        self,
        url: str,
        api_key: bytes,
        client: httpx.AsyncClient,
        *,
        service: str = "tier0",
    ) -> None:
        self._url = url
        self._key = api_key.decode("ascii")
        self._client = client
        self._service = service

    def body(self, records: Sequence[Mapping[str, Any]]) -> bytes:
        items = [
            {
                "ddsource": "tier0",
                "service": self._service,
                "ddtags": f"tenant:{record.get('tenant_id', '')},type:{record.get('type', '')}",
                "message": _json(record),
            }
            for record in records
        ]
        return _json(items).encode("ascii")

    async def send(self, records: Sequence[Mapping[str, Any]]) -> None:
        headers = {"DD-API-KEY": self._key, "Content-Type": "application/json"}
        response = await _post(self._client, self._url, self.body(records), headers, "datadog")
        if not response.is_success:
            raise DeliveryError(f"datadog answered HTTP {response.status_code}")
