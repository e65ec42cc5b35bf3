"""Prometheus /metrics: audited events counted, latency observed, token-protected, several
workers aggregated, relay health exposed, and no secret ever in a label (LG-01, LG-02)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import unique
from tier0.audit import Actor, EventType, SecurityEvent
from tier0.audit.changes import ChangedBy
from tier0.audit.prometheus import MULTIPROC_ENV, Metrics, method_label, status_label
from tier0.audit.streams import Relay, RelayPolicy, StreamKind
from tier0.audit.streams.model import LogStream
from tier0.audit.streams.senders import DeliveryError, Sender
from tier0.cli.serve import prepare_multiprocess_metrics
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.settings import Mode, Settings
from tier0.web.app import create_app
from tier0.web.metrics import scrape_allowed

ADMIN = Actor.admin("adm_1")


def _sample(text: str, prefix: str) -> float:
    """The value of the first exposition line starting with ``prefix``."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {prefix!r}")


async def test_lg01_audited_events_are_counted_by_type_and_outcome(
    container: Container, client: httpx.AsyncClient
) -> None:
    tenant = await container.tenants.create(unique("metrics"), by=ChangedBy.cli())

    def failed() -> SecurityEvent:
        return SecurityEvent.create(
            EventType.USER_LOGIN_FAILED, clock=container.clock, tenant_id=tenant.id, actor=ADMIN
        )

    await container.audit.emit(failed())
    async with container.db.transaction() as uow:  # the transactional path counts too
        await container.audit.record(uow, failed())
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    sample = 'security_events_total{outcome="failure",type="user.login.failed"}'
    assert _sample(response.text, sample) == 2.0


async def test_request_latency_histogram_observes_requests(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/no-such-page")
    text = (await client.get("/metrics")).text
    ok = 'tier0_http_request_duration_seconds_count{method="GET",status="2xx"}'
    missing = 'tier0_http_request_duration_seconds_count{method="GET",status="4xx"}'
    assert _sample(text, ok) >= 1.0
    assert _sample(text, missing) >= 1.0


def test_labels_stay_bounded_whatever_the_client_sends() -> None:
    assert method_label("GET") == "GET"
    assert method_label("X-ATTACKER-CHOSEN") == "other"
    assert status_label(503) == "5xx"
    assert status_label(999) == "other"


@pytest.fixture
async def guarded(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        data_dir=tmp_path / "guarded",
        bcrypt_cost=10,
        hash_workers=1,
        metrics_token=SecretStr("scrape-" + "s3cr3t-canary-token"),
    )
    container = Container.build(settings, clock=clock)
    await container.migrate()
    transport = httpx.ASGITransport(app=create_app(container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            yield http
    finally:
        await container.close()


async def test_metrics_need_the_token_when_one_is_set(guarded: httpx.AsyncClient) -> None:
    assert (await guarded.get("/metrics")).status_code == 404
    wrong = {"authorization": "Bearer scrape-wrong"}
    assert (await guarded.get("/metrics", headers=wrong)).status_code == 404
    basic = {"authorization": "Basic scrape-s3cr3t-canary-token"}
    assert (await guarded.get("/metrics", headers=basic)).status_code == 404
    right = {"authorization": "Bearer scrape-s3cr3t-canary-token"}
    response = await guarded.get("/metrics", headers=right)
    assert response.status_code == 200
    # LG-02 canary: the scrape token itself never shows up in what is exposed.
    assert "s3cr3t-canary-token" not in response.text


def test_production_without_a_token_keeps_metrics_off(settings: Settings) -> None:
    production = settings.model_copy(update={"mode": Mode.PRODUCTION})
    assert not scrape_allowed(production, None)
    assert not scrape_allowed(production, "Bearer anything")
    assert scrape_allowed(settings, None)  # dev, no token: open for local dashboards
    token = production.model_copy(update={"metrics_token": SecretStr("t0k")})
    assert scrape_allowed(token, "Bearer t0k")
    assert not scrape_allowed(token, "Bearer t0K")


async def test_lg02_canary_secrets_never_reach_metrics(
    container: Container, client: httpx.AsyncClient
) -> None:
    canary = "canary-" + os.urandom(8).hex()
    tenant = await container.tenants.create(unique("canary"), by=ChangedBy.cli())
    await container.audit.emit(
        SecurityEvent.create(
            EventType.USER_LOGIN_FAILED,
            clock=container.clock,
            tenant_id=tenant.id,
            actor=Actor.user(canary),
            ip="198.51.100.9",
            user_agent=canary,
            request_id=canary[:32],
        )
    )
    await client.post(
        f"/{tenant.name}/oauth/token?code={canary}",
        data={"client_secret": canary, "refresh_token": canary},
        headers={"authorization": f"Bearer {canary}"},
    )
    await client.request(canary.upper(), "/healthz")
    text = (await client.get("/metrics")).text
    assert canary not in text.lower()
    assert tenant.id not in text  # not even the tenant: labels are the closed vocabulary


class _Broken:
    async def send(self, records: object) -> None:
        raise DeliveryError("receiver down")


class _Fine:
    async def send(self, records: object) -> None:
        return None


async def test_relay_exposes_deliveries_failures_and_dead_letters(
    container: Container, clock: FrozenClock
) -> None:
    tenant = await container.tenants.create(unique("relaymetrics"), by=ChangedBy.cli())
    await container.streams.create(
        tenant.id, "file", StreamKind.JSONL, {"path": "/dev/null"}, actor=ADMIN, from_start=True
    )
    metrics = Metrics()
    sender: Sender = _Broken()

    async def senders(_stream: LogStream) -> Sender:
        return sender

    policy = RelayPolicy(max_failures=2)
    relay = Relay(
        container.db, senders, clock, node_id="n1", policy=policy, tenants=[tenant.id],
        metrics=metrics,
    )  # fmt: skip
    await relay.run_once()
    clock.advance(60)
    await relay.run_once()
    text, _ = metrics.render()
    exposition = text.decode()
    assert _sample(exposition, 'tier0_log_stream_failures_total{kind="jsonl"}') == 2.0
    assert _sample(exposition, 'tier0_log_stream_dead_lettered_total{kind="jsonl"}') == 1.0
    assert _sample(exposition, 'tier0_log_stream_lag_seconds{kind="jsonl"}') == 60.0
    await container.streams.replay(tenant.id, "file", after_seq=0, actor=ADMIN)
    sender = _Fine()
    assert await relay.run_once() > 0
    exposition = metrics.render()[0].decode()
    assert _sample(exposition, 'tier0_log_stream_delivered_total{kind="jsonl"}') >= 1.0


_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from tier0.audit import Actor, EventType, SecurityEvent
    from tier0.audit.prometheus import Metrics
    from tier0.clock import FrozenClock
    metrics = Metrics()
    event = SecurityEvent.create(
        EventType.TOKEN_ISSUED, clock=FrozenClock(), tenant_id="t", actor=Actor.system("w")
    )
    asyncio.run(metrics.events.emit(event))
    metrics.observe_request("GET", 200, 0.01)
    if sys.argv[1] == "render":
        sys.stdout.write(metrics.render()[0].decode())
    """
)


def test_several_workers_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {**os.environ, MULTIPROC_ENV: str(tmp_path)}
    run = [sys.executable, "-c", _WORKER]
    subprocess.run([*run, "count"], env=env, check=True, timeout=120)
    subprocess.run([*run, "count"], env=env, check=True, timeout=120)
    out = subprocess.run(
        [*run, "render"], env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout
    issued = 'security_events_total{outcome="success",type="token.issued"}'
    assert _sample(out, issued) == 3.0  # three processes, one scrape sees them all
    count = 'tier0_http_request_duration_seconds_count{method="GET",status="2xx"}'
    assert _sample(out, count) == 3.0


def test_serve_prepares_one_directory_for_every_worker(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    directory = settings.data_dir / "prometheus"
    directory.mkdir(parents=True)
    (directory / "counter_123.db").write_bytes(b"stale")
    assert prepare_multiprocess_metrics(settings) == directory
    assert os.environ[MULTIPROC_ENV] == str(directory)
    assert not list(directory.glob("*.db"))  # a dead run's counters are gone
