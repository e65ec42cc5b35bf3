"""Prometheus metrics of a running tier0: one :class:`Metrics` per container, no globals.

What is counted (every label comes from a closed set, never from a request, so an attacker
cannot grow the series count, and no label ever holds a secret, LG-02):

- ``security_events_total{type,outcome}``: every audited event, through
  :class:`~tier0.audit.metrics.MetricsSink`; sign-ins by outcome (``login.*``), tokens
  issued (``token.issued``), rate-limit hits and blocks are all event types.
- ``tier0_http_request_duration_seconds{method,status}``: request latency histogram.
- ``tier0_log_stream_delivered_total{kind}``, ``tier0_log_stream_failures_total{kind}``,
  ``tier0_log_stream_dead_lettered_total{kind}`` and ``tier0_log_stream_lag_seconds{kind}``
  (age of the oldest event a relay pass found undelivered) from the relay.

Several workers: when ``PROMETHEUS_MULTIPROC_DIR`` is set (``tier0 serve --workers N`` sets
it), prometheus-client keeps the values in per-process files there and :meth:`Metrics.render`
aggregates every process's files, so a scrape sees the whole server, not one worker.
"""

from __future__ import annotations

import os
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from tier0.audit.metrics import MetricsSink

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
HTTP_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def method_label(method: str) -> str:
    """The method as a label; anything outside the usual verbs is ``other``."""
    return method if method in HTTP_METHODS else "other"


def status_label(status: int) -> str:
    """Status class (``2xx``...): bounded, and enough to tell errors from successes."""
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


class Metrics:
    """The metric objects of one process, registered in an injected registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.events = MetricsSink(self.registry)
        self._latency = Histogram(
            "tier0_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and status class.",
            labelnames=("method", "status"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._latency_children: dict[tuple[str, str], Histogram] = {}  # bounded: 8 x 6 labels
        self._delivered = Counter(
            "tier0_log_stream_delivered",
            "Events the relay moved past (delivered or filtered out), by stream kind.",
            labelnames=("kind",),
            registry=self.registry,
        )
        self._failures = Counter(
            "tier0_log_stream_failures",
            "Failed deliveries of a batch to a log stream, by stream kind.",
            labelnames=("kind",),
            registry=self.registry,
        )
        self._dead = Counter(
            "tier0_log_stream_dead_lettered",
            "Log streams dead-lettered after too many failures, by stream kind.",
            labelnames=("kind",),
            registry=self.registry,
        )
        self._lag = Gauge(
            "tier0_log_stream_lag_seconds",
            "Age of the oldest undelivered event seen by the latest relay pass, by kind.",
            labelnames=("kind",),
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )

    def observe_request(self, method: str, status: int, seconds: float) -> None:
        labels = (method_label(method), status_label(status))
        child = self._latency_children.get(labels)
        if child is None:  # prometheus-client validates and locks in every labels() call
            child = self._latency.labels(method=labels[0], status=labels[1])
            self._latency_children[labels] = child
        child.observe(max(seconds, 0.0))

    def stream_delivered(self, kind: str, count: int, lag_seconds: float) -> None:
        self._delivered.labels(kind=kind).inc(count)
        self._lag.labels(kind=kind).set(max(lag_seconds, 0.0))

    def stream_failed(self, kind: str, lag_seconds: float, *, dead: bool) -> None:
        self._failures.labels(kind=kind).inc()
        self._lag.labels(kind=kind).set(max(lag_seconds, 0.0))
        if dead:
            self._dead.labels(kind=kind).inc()

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type; every worker's values in multiprocess
        mode (a fresh registry per scrape, as prometheus-client requires)."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
