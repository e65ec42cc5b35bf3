"""Scale-out (DESIGN.md §6): two `tier0 serve` processes on one PostgreSQL and one Redis share
everything that must be shared — codes, refresh-token families, rate-limit counters and
signing keys. Nothing is read from a node's memory that another node wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.conftest import unique
from tests.flows.login.conftest import CALLBACK, VERIFIER, query_of
from tests.flows.login.conftest import make_world as make_login_world
from tests.flows.management.harness import make_caller
from tests.flows.oauth_helpers import (
    assert_oauth_error,
    code_form,
    issue_code,
    make_world,
    post_token,
    refresh_form,
)
from tests.security.cluster import Cluster, start_cluster
from tier0.audit.changes import ChangedBy
from tier0.container import Container

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.xdist_group(__name__),
]

LIMITED_TENANT = "scalerl"
TOKEN_LIMIT = 6


@pytest.fixture(scope="module")
def cluster(own_pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    overrides = {LIMITED_TENANT: {"token": {"ip": f"{TOKEN_LIMIT}/minute"}}}
    with start_cluster(
        own_pg_database, tmp_path_factory.mktemp("cluster"), overrides=overrides
    ) as c:
        yield c


@pytest.fixture
async def shared(cluster: Cluster) -> AsyncIterator[Container]:
    """This test process's own view of the shared database (to set up tenants and users)."""
    container = Container.build(cluster.settings)
    try:
        yield container
    finally:
        await container.close()


@pytest.fixture
async def nodes(cluster: Cluster) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=cluster.url(cluster.a), timeout=30) as a,
        httpx.AsyncClient(base_url=cluster.url(cluster.b), timeout=30) as b,
    ):
        yield a, b


async def test_a_code_issued_by_node_a_is_redeemed_on_node_b(
    shared: Container, nodes: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, b = nodes
    world = await make_login_world(shared, a, shared.clock)  # type: ignore[arg-type]  # live clock: nothing moves it
    redirect = await world.full_login()
    assert redirect.status_code in (302, 303), redirect.text
    code = query_of(redirect)["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
    }
    auth = (world.app.client_id, world.secret)
    redeemed = await b.post(f"{world.base}/oauth/token", data=form, auth=auth)
    assert redeemed.status_code == 200, redeemed.text
    assert "id_token" in redeemed.json()
    replayed = await a.post(f"{world.base}/oauth/token", data=form, auth=auth)
    assert_oauth_error(replayed, "invalid_grant")


async def test_oa07_refresh_rotated_on_a_and_replayed_on_b_revokes_the_family(
    shared: Container, nodes: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, b = nodes
    world = await make_world(shared)
    scope = ("openid", "offline_access", "read:things")
    issued = await issue_code(world, world.spa, scope=scope, audience=world.api.identifier)
    first = await post_token(a, world, code_form(issued, world.spa), world.spa)
    assert first.status_code == 200, first.text
    old = first.json()["refresh_token"]
    rotated = await post_token(a, world, refresh_form(old, world.spa), world.spa)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["refresh_token"]
    replay = await post_token(b, world, refresh_form(old, world.spa), world.spa)
    assert_oauth_error(replay, "invalid_grant")
    # RFC 9700 §4.14.2: on reuse the whole family is revoked, here as seen from either node.
    for node in (a, b):
        after = await post_token(node, world, refresh_form(new, world.spa), world.spa)
        assert_oauth_error(after, "invalid_grant")


async def test_av01_a_rate_limit_is_shared_by_both_nodes(
    shared: Container, nodes: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, b = nodes
    if await shared.tenants.find(LIMITED_TENANT) is None:
        await shared.tenants.create(LIMITED_TENANT, by=ChangedBy.cli())
    path = f"/t/{LIMITED_TENANT}/oauth/token"
    statuses = []
    for i in range(TOKEN_LIMIT):
        node = a if i % 2 == 0 else b
        statuses.append(
            (await node.post(path, data={"grant_type": "client_credentials"})).status_code
        )
    assert 429 not in statuses
    # Each node has seen only half the limit; together they have used it up.
    for node in (a, b):
        refused = await node.post(path, data={"grant_type": "client_credentials"})
        assert refused.status_code == 429, refused.text
        assert refused.headers["retry-after"]


async def test_jw04_a_key_rotated_through_node_a_is_served_by_node_b(
    shared: Container, nodes: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, b = nodes
    caller = await make_caller(shared, unique("keys"))
    path = f"/t/{caller.tenant.name}/.well-known/jwks.json"
    before = {k["kid"] for k in (await b.get(path)).json()["keys"]}
    assert before
    # An emergency rotation through node A's management API withdraws every key at once:
    # the strictest case, since a node serving a stale JWKS would keep vouching for a
    # withdrawn key.
    rotated = await a.post(
        f"{caller.base}/keys/signing/emergency-rotate",
        json={},
        headers=await caller.issued_headers(a),
    )
    assert rotated.status_code == 200, rotated.text
    published = {k.kid for k in await shared.keys.list(caller.tenant.id) if k.published}
    assert published and not published & before
    for node in (b, a):
        # Each node's key cache is tied to the shared directory generation (in Redis), which
        # the rotation changed right after its commit: no waiting.
        served = {k["kid"] for k in (await node.get(path)).json()["keys"]}
        assert served == published
