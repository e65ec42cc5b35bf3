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


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


def wrong_secret(world: World) -> dict[str, str]:
    raw = base64.b64encode(f"{world.m2m.client_id}:{'x' * 43}".encode()).decode()
    return {"authorization": f"Basic {raw}"}


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
    would see more than eight failures, so the 429 shows they are counted in Redis."""
    container, nodes = two_nodes
    world = await make_world(container)
    await assert_guessing_is_throttled(nodes, world, clock, endpoint)
