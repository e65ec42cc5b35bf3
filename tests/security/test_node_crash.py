"""AV-06: `kill -9` of a node in the middle of refreshes and user creation loses no
acknowledged write.

Several clients rotate refresh tokens and an admin client creates users on node A as fast as
they can; A is killed without warning. Afterwards every user the admin got a 201 for exists,
and every refresh token a client got a 2xx for is still in the database: either still live
(then it works on node B) or consumed by a rotation that committed but whose answer died
with A (then the family's one live token is its child). No family has two live tokens.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.conftest import unique
from tests.flows.management.harness import Caller, make_caller
from tests.flows.oauth_helpers import (
    World,
    code_form,
    issue_code,
    make_world,
    post_token,
    refresh_form,
)
from tests.security.cluster import Cluster, start_cluster
from tier0.container import Container
from tier0.protocol.grants.family import REFRESH_PURPOSE

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.xdist_group(__name__),
]

CHAINS = 6
ROTATIONS_BEFORE_KILL = 4  # per chain, on average


@pytest.fixture(scope="module")
def cluster(own_pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with start_cluster(own_pg_database, tmp_path_factory.mktemp("crash")) as c:
        yield c


@pytest.fixture
async def shared(cluster: Cluster) -> AsyncIterator[Container]:
    container = Container.build(cluster.settings)
    try:
        yield container
    finally:
        await container.close()


@dataclass
class Chain:
    grant_id: str
    acked: list[str] = field(default_factory=list)  # refresh tokens answered with a 2xx


async def run_chain(http: httpx.AsyncClient, world: World, chain: Chain) -> None:
    """Rotate until the node goes away; remember every acknowledged token."""
    try:
        while True:
            form = refresh_form(chain.acked[-1], world.spa)
            resp = await post_token(http, world, form, world.spa)
            if resp.status_code != 200:
                return
            chain.acked.append(resp.json()["refresh_token"])
    except httpx.TransportError:
        return


async def create_users(http: httpx.AsyncClient, caller: Caller, created: list[str]) -> None:
    """Create users through the management API until the node goes away."""
    headers = await caller.issued_headers(http)
    try:
        while True:
            email = f"{secrets.token_hex(6)}@example.com"
            resp = await http.post(f"{caller.base}/users", json={"email": email}, headers=headers)
            if resp.status_code != 201:
                return
            created.append(email)
    except httpx.TransportError:
        return


async def start_chain(http: httpx.AsyncClient, world: World) -> Chain:
    scope = ("openid", "offline_access", "read:things")
    issued = await issue_code(world, world.spa, scope=scope, audience=world.api.identifier)
    first = await post_token(http, world, code_form(issued, world.spa), world.spa)
    assert first.status_code == 200, first.text
    return Chain(issued.grant_id, [first.json()["refresh_token"]])


async def test_av06_kill_9_mid_refresh_loses_no_acknowledged_rotation(
    cluster: Cluster, shared: Container
) -> None:
    world = await make_world(shared)
    caller = await make_caller(shared, unique("crash"))
    created: list[str] = []  # users the client got a 201 for
    async with (
        httpx.AsyncClient(base_url=cluster.url(cluster.a), timeout=30) as a,
        httpx.AsyncClient(base_url=cluster.url(cluster.b), timeout=30) as b,
    ):
        chains = [await start_chain(a, world) for _ in range(CHAINS)]
        tasks = [asyncio.create_task(run_chain(a, world, c)) for c in chains]
        tasks.append(asyncio.create_task(create_users(a, caller, created)))
        for _ in range(600):  # bounded: at most ~60 s of traffic before the kill
            rotated = sum(len(c.acked) for c in chains) >= CHAINS * ROTATIONS_BEFORE_KILL
            if rotated and created:  # both kinds of write are in flight when the node dies
                break
            await asyncio.sleep(0.1)
        cluster.a.process.send_signal(signal.SIGKILL)
        cluster.a.process.wait(timeout=30)
        await asyncio.gather(*tasks)
        assert sum(len(c.acked) for c in chains) > CHAINS and created
        for email in created:  # every acknowledged user was committed
            assert await shared.users.find_by_email(caller.tenant, email) is not None

        key = await shared.keyring.hash_key(world.tenant.id)
        tenant_id = world.tenant.id
        for chain in chains:
            hashes = [key.digest(t, purpose=REFRESH_PURPOSE) for t in chain.acked]
            async with shared.db.read() as uow:
                stored = [await uow.refresh_tokens.get(tenant_id, h) for h in hashes]
                live_rows = await uow.refresh_tokens.list_for_user(tenant_id, world.user.user_id)
            # Every acknowledged token was committed before its 2xx.
            assert all(row is not None for row in stored)
            live = [r for r in live_rows if r.grant_id == chain.grant_id]
            assert len(live) == 1, "a family must have exactly one live token"
            last = stored[-1]
            assert last is not None
            if last.consumed_at is None:
                assert live[0].token_hash == last.token_hash
                form = refresh_form(chain.acked[-1], world.spa)
                resp = await post_token(b, world, form, world.spa)
                assert resp.status_code == 200, resp.text
            else:
                # Its rotation committed on A but the answer died with A: the one live
                # token is that rotation's child, and the client may sign in again.
                assert live[0].parent_hash == last.token_hash
