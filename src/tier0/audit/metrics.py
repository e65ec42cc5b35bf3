"""Security-event counters for Prometheus (LG-01: "counters feed a SIEM").

``security_events_total{type="refresh_token.reused",outcome="failure"}`` counts every
event emitted through :class:`MetricsSink`. The registry is injected (no global state);
with several workers, prometheus-client's multiprocess mode aggregates the counters.
Labels are the closed vocabulary only, never a tenant, user or IP, so cardinality stays
bounded whatever an attacker sends.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from tier0.audit.event import SecurityEvent


class MetricsSink:
    """Counts events by type and outcome."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._events = Counter(
            "security_events",
            "Security events emitted, by event type and outcome.",
            labelnames=("type", "outcome"),
            registry=registry,
        )

    async def emit(self, event: SecurityEvent) -> None:
        self._events.labels(type=str(event.type), outcome=str(event.outcome)).inc()
