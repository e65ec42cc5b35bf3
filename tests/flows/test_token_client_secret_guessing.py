"""Client-secret guessing at /oauth/token, /oauth/introspect and /oauth/revoke (BF-04).

ASVS 6.3.3: a secret brute force gets ``invalid_client`` and then 429. The token endpoint's
own test is ``test_bf04_client_secret_guessing_is_throttled`` (test_token_client_credentials);
these mirror it at the other two endpoints that authenticate clients, on memory counters
(SQLite and PostgreSQL), and on Redis counters shared by two nodes (PostgreSQL + Redis, the
scale-out shape), where guesses spread over both nodes are counted together.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest

from tests.conftest import REDIS_URL, skip_or_fail
from tests.flows.oauth_helpers import World, assert_oauth_error, make_world
from tier0.audit.event import SecurityEvent
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.settings import Settings
from tier0.web.app import create_app

#: The endpoints that authenticate clients, each with a form its client may always send:
#: an unknown token is inactive at introspection and "revoked" (200) at revocation.
ENDPOINTS = {
    "token": {"grant_type": "client_credentials"},
    "introspect": {"token": "not-a-token"},
    "revoke": {"token": "not-a-token"},
}
GUESSES = 15
FREE_FAILURES = 10  # DEFAULT_GUESS_POLICIES[SecretKind.CLIENT_SECRET]
IP_FAILURES = 60  # ... and its per-IP bucket
WRONG = "x" * 43


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


def basic(client_id: str, secret: str = WRONG) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {raw}"}


def wrong_secret(world: World) -> dict[str, str]:
    return basic(world.m2m.client_id)


async def throttle_events(container: Container, world: World) -> list[SecurityEvent]:
    query = EventQuery(tenant_id=world.tenant.id, types=[EventType.SUSPICIOUS_IP_THROTTLED])
    return [item.event for item in await container.audit.search(query)]


async def assert_guessing_is_throttled(
    nodes: Sequence[httpx.AsyncClient], world: World, clock: FrozenClock, endpoint: str
) -> None:
    """Wrong secrets (sent to the nodes in turn) give invalid_client, then 429 with
    Retry-After; even the right secret waits; after the wait it works again."""
    url, form = f"{world.path}/oauth/{endpoint}", ENDPOINTS[endpoint]
    responses = [
        await nodes[i % len(nodes)].post(url, data=form, headers=wrong_secret(world))
        for i in range(GUESSES)
    ]
    statuses = [r.status_code for r in responses]
    assert 429 in statuses, statuses
    first_refusal = statuses.index(429)
    assert first_refusal >= FREE_FAILURES, statuses
    assert statuses == [401] * first_refusal + [429] * (GUESSES - first_refusal), statuses
    assert_oauth_error(responses[0], "invalid_client", 401)
    assert responses[0].headers["www-authenticate"] == 'Basic realm="tier0"'
    refused = await nodes[-1].post(url, data=form, headers=world.m2m.basic())
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["cache-control"] == "no-store"
    clock.advance(int(refused.headers["retry-after"]))
    served = await nodes[0].post(url, data=form, headers=world.m2m.basic())
    assert served.status_code == 200, served.text


async def test_bf04_lg01_a_throttled_client_is_one_security_event_per_window(
    client: httpx.AsyncClient, world: World, clock: FrozenClock
) -> None:
    """The first refusal writes suspicious_ip.throttled (Auth0 limit_mu) naming the client
    and the IP, never the secret; the other refusals of its window, at any of the three
    endpoints, write nothing; a refusal in a later window is a new event."""

    async def guess(endpoint: str, times: int) -> list[int]:
        url, form = f"{world.path}/oauth/{endpoint}", ENDPOINTS[endpoint]
        return [
            (await client.post(url, data=form, headers=wrong_secret(world))).status_code
            for _ in range(times)
        ]

    assert await guess("token", GUESSES) == [401] * FREE_FAILURES + [429] * 5
    (event,) = await throttle_events(world.container, world)
    assert event.client_id == world.m2m.client_id
    assert event.ip == "127.0.0.1"
    assert event.actor.id == world.m2m.client_id
    details = dict(event.details)
    retry_after = details.pop("retry_after")
    assert isinstance(retry_after, int) and retry_after >= 1
    assert details == {"stage": "client_secret", "by": "client", "endpoint": "token"}
    assert WRONG not in repr(event) and str(world.m2m.secret) not in repr(event)
    for endpoint in ("introspect", "revoke", "token"):
        assert await guess(endpoint, 3) == [429] * 3
    assert len(await throttle_events(world.container, world)) == 1
    clock.advance(3600)  # the wait is over, and so is the reporting window
    assert 429 in await guess("revoke", GUESSES)
    events = await throttle_events(world.container, world)
    assert len(events) == 2 and events[-1].details["endpoint"] == "revoke"


async def test_bf04_lg01_one_ip_guessing_across_clients_is_one_event(
    client: httpx.AsyncClient, world: World
) -> None:
    """One address trying a wrong secret once for each of many (made-up) client ids empties
    its bucket of failures; its refusals, each naming yet another client id, are one event
    keyed by the IP, not one per client id."""
    url, form = f"{world.path}/oauth/introspect", ENDPOINTS["introspect"]
    for i in range(IP_FAILURES):
        response = await client.post(url, data=form, headers=basic(f"made-up-{i}"))
        assert response.status_code == 401
    refused = [
        (await client.post(url, data=form, headers=basic(f"other-{i}"))).status_code
        for i in range(20)
    ]
    assert refused == [429] * 20
    (event,) = await throttle_events(world.container, world)
    assert event.details["by"] == "ip" and event.client_id == "other-0"


async def test_bf04_client_secret_guessing_is_throttled_at_introspect(
    client: httpx.AsyncClient, world: World, clock: FrozenClock
) -> None:
    await assert_guessing_is_throttled([client], world, clock, "introspect")


async def test_bf04_client_secret_guessing_is_throttled_at_revoke(
    client: httpx.AsyncClient, world: World, clock: FrozenClock
) -> None:
    await assert_guessing_is_throttled([client], world, clock, "revoke")


# --- Redis: two nodes, one set of counters ---------------------------------------------


@pytest.fixture
def scale_out(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings of the scale-out shape: PostgreSQL and Redis (a sync fixture: the session's
    database is created with asyncio.run, outside the test's event loop)."""
    if not REDIS_URL:
        skip_or_fail("TIER0_TEST_REDIS_URL is not set")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=str(request.getfixturevalue("pg_database")),
        redis_url=REDIS_URL,
        counter_key_secret=secrets.token_urlsafe(36),
        key_file=request.getfixturevalue("shared_kms_key_file"),
        bcrypt_cost=10,
        hash_workers=1,
    )


@pytest.fixture
async def two_nodes(
    scale_out: Settings, clock: FrozenClock
) -> AsyncIterator[tuple[Container, list[httpx.AsyncClient]]]:
    """Two containers (two nodes) on one PostgreSQL database and one Redis."""
    settings = scale_out
    first = Container.build(settings, clock=clock)
    await first.migrate()
    second = Container.build(settings, clock=clock)
    clients: list[httpx.AsyncClient] = []
    try:
        for container in (first, second):
            transport = httpx.ASGITransport(app=create_app(container))
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1"))
        yield first, clients
    finally:
        for http in clients:
            await http.aclose()
        await first.close()
        await second.close()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
async def test_bf04_client_secret_guessing_is_throttled_across_nodes_on_redis(
    two_nodes: tuple[Container, list[httpx.AsyncClient]], clock: FrozenClock, endpoint: str
) -> None:
    """Guesses alternate between the nodes: with counters in each process neither node
    would see more than eight failures, so the 429 shows they are counted in Redis. Both
    nodes refuse, and the one security event shows the reporting window is shared too."""
    container, nodes = two_nodes
    world = await make_world(container)
    await assert_guessing_is_throttled(nodes, world, clock, endpoint)
    # Both nodes refused; the reporting window is shared too: one event.
    assert len(await throttle_events(container, world)) == 1
