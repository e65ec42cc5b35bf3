"""The directory-read cache: every committed change is seen at once by every node.

Two nodes are two containers, each with its own ASGI app and its own in-process cache, on
one store: the embedded SQLite file (the generation lives in a file of the shared data
directory) or PostgreSQL with Redis (the generation lives in Redis). Each test first warms
node B's cache, changes something through node A (service, management API or raw SQL), and
then expects node B to answer with the change on its very next request: without the
invalidation, B would keep serving what it cached.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import text

from tests.conftest import REDIS_URL, skip_or_fail
from tests.flows.oauth_helpers import World, assert_oauth_error, make_world
from tier0.audit.changes import ChangedBy
from tier0.cache.generations import FileGenerations, RedisGenerations
from tier0.container import Container
from tier0.settings import Settings
from tier0.storage.sql.engine import session_of
from tier0.web.app import create_app


@dataclass
class Node:
    container: Container
    http: httpx.AsyncClient


@dataclass
class Pair:
    a: Node
    b: Node


def _settings(tmp: Path, backend: str, request: pytest.FixtureRequest) -> Settings:
    if backend == "sqlite":
        return Settings(data_dir=tmp / "data", bcrypt_cost=10, hash_workers=1)
    if not REDIS_URL:
        skip_or_fail("TIER0_TEST_REDIS_URL is not set")
    return Settings(
        data_dir=tmp / "data",
        database_url=str(request.getfixturevalue("pg_database")),
        redis_url=REDIS_URL,
        counter_key_secret=secrets.token_urlsafe(36),
        key_file=request.getfixturevalue("shared_kms_key_file"),
        bcrypt_cost=10,
        hash_workers=1,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres+redis", marks=pytest.mark.postgres)])
def pair_settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return _settings(tmp_path, request.param, request)


@pytest.fixture
async def pair(pair_settings: Settings) -> AsyncIterator[Pair]:
    settings = pair_settings
    first = Container.build(settings)
    await first.migrate()
    second = Container.build(settings)
    # The nodes share a generation key of their own: tests on the other xdist worker write
    # to the same Redis database, and a bump of theirs between two reads here would empty
    # these nodes' caches (what these tests watch) for reasons of no concern to them.
    key = f"tier0-test:{secrets.token_hex(8)}:directory:generation"
    for container in (first, second):
        if isinstance(container.generations, RedisGenerations):
            container.generations._key = key
    nodes = []
    try:
        for container in (first, second):
            transport = httpx.ASGITransport(app=create_app(container))
            http = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")
            nodes.append(Node(container, http))
        yield Pair(nodes[0], nodes[1])
    finally:
        for node in nodes:
            await node.http.aclose()
        await first.close()
        await second.close()


async def _cc(node: Node, world: World, secret: str | None = None) -> httpx.Response:
    auth = (world.m2m.client_id, secret or world.m2m.secret or "")
    return await node.http.post(
        f"{world.path}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth
    )


async def _warm(pair: Pair) -> World:
    world = await make_world(pair.a.container)
    warm = await _cc(pair.b, world)
    assert warm.status_code == 200, warm.text
    return world


async def test_a_secret_rotated_on_node_a_is_refused_at_once_on_node_b(pair: Pair) -> None:
    world = await _warm(pair)
    rotated = await pair.a.container.applications.rotate_secret(
        world.tenant, world.m2m.client_id, by=ChangedBy.cli()
    )
    assert_oauth_error(await _cc(pair.b, world), "invalid_client", status=401)
    assert (await _cc(pair.b, world, rotated.client_secret)).status_code == 200


async def test_a_client_grant_deleted_on_node_a_stops_tokens_on_node_b(pair: Pair) -> None:
    world = await _warm(pair)
    (grant,) = await pair.a.container.client_grants.list(
        world.tenant, client_id=world.m2m.client_id
    )
    await pair.a.container.client_grants.delete(world.tenant, grant.id, by=ChangedBy.cli())
    refused = await _cc(pair.b, world)
    assert refused.status_code == 400, refused.text


async def test_an_application_deleted_on_node_a_is_unknown_on_node_b(pair: Pair) -> None:
    world = await _warm(pair)
    await pair.a.container.applications.delete(
        world.tenant, world.m2m.client_id, by=ChangedBy.cli()
    )
    assert_oauth_error(await _cc(pair.b, world), "invalid_client", status=401)


async def test_a_tenant_deleted_on_node_a_is_a_404_on_node_b(pair: Pair) -> None:
    world = await _warm(pair)
    await pair.a.container.tenants.delete(world.tenant.name, by=ChangedBy.cli())
    gone = await pair.b.http.get(f"{world.path}/.well-known/openid-configuration")
    assert gone.status_code == 404


async def test_jw04_a_key_rotated_on_node_a_is_in_node_b_jwks_immediately(pair: Pair) -> None:
    world = await _warm(pair)
    path = f"{world.path}/.well-known/jwks.json"
    old_token = (await _cc(pair.b, world)).json()["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    assert old_kid in {k["kid"] for k in (await pair.b.http.get(path)).json()["keys"]}
    # An emergency rotation withdraws the ES256 key at once: a node serving a stale JWKS
    # would keep vouching for it, and one with a stale signer would keep signing with it.
    await pair.a.container.keys.rotate(
        world.tenant.id, alg="ES256", emergency=True, by=ChangedBy.cli()
    )
    published = {k.kid for k in await pair.a.container.keys.list(world.tenant.id) if k.published}
    assert old_kid not in published
    served = {k["kid"] for k in (await pair.b.http.get(path)).json()["keys"]}
    assert served == published
    new_token = (await _cc(pair.b, world)).json()["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] in published


async def test_a_raw_sql_change_is_detected_like_a_service_change(pair: Pair) -> None:
    """The storage layer, not each service, notices directory writes: a write no service
    makes (here plain SQL in a transaction) still invalidates every node."""
    world = await _warm(pair)
    async with pair.a.container.db.transaction() as uow:
        await session_of(uow).execute(
            text("DELETE FROM client_grants WHERE tenant_id = :t AND client_id = :c"),
            {"t": world.tenant.id, "c": world.m2m.client_id},
        )
    assert (await _cc(pair.b, world)).status_code == 400


async def test_a_rolled_back_change_leaves_the_cache_in_use(pair: Pair) -> None:
    world = await _warm(pair)
    before = await pair.b.container.directory.generation()
    with pytest.raises(RuntimeError):
        async with pair.a.container.db.transaction() as uow:
            await session_of(uow).execute(
                text("DELETE FROM client_grants WHERE tenant_id = :t"), {"t": world.tenant.id}
            )
            raise RuntimeError("abort")
    if isinstance(pair.b.container.generations, FileGenerations):  # Redis is shared by others
        assert await pair.b.container.directory.generation() == before
    assert (await _cc(pair.b, world)).status_code == 200


async def test_a_cached_token_request_reads_the_shared_generation_once(pair: Pair) -> None:
    """Scale-out: every cached read is checked against the generation in Redis, but one
    read per request is enough (tier0.cache.generations): a token request makes several
    cached reads (tenant, client, grants, API, signer), and each round trip to Redis cost
    more CPU than the rest of the request's cached reads together."""
    generations = pair.b.container.generations
    if not isinstance(generations, RedisGenerations):
        pytest.skip("the embedded generation is a memory read, not a round trip")
    world = await _warm(pair)
    sends = generations.reads.sends
    assert (await _cc(pair.b, world)).status_code == 200
    assert generations.reads.sends == sends + 1
    await pair.a.container.applications.delete(
        world.tenant, world.m2m.client_id, by=ChangedBy.cli()
    )
    assert_oauth_error(await _cc(pair.b, world), "invalid_client", status=401)


async def test_the_redemptions_peek_at_the_api_never_answers_a_changed_one(pair: Pair) -> None:
    """A code redemption skips its read transaction when the node already holds the API
    (``cached_resource_server``): the peek reads nothing, and after a change committed on
    node A it answers None on node B (the redemption then reads the API afresh)."""
    world = await _warm(pair)
    directory = pair.b.container.directory
    tenant_id, audience = world.tenant.id, world.api.identifier
    assert await directory.resource_server(tenant_id, audience) == world.api  # now held
    assert await directory.cached_resource_server(tenant_id, audience) == world.api
    assert await directory.cached_resource_server(tenant_id, "https://other.example") is None
    changed = replace(world.api, enforce_policies=not world.api.enforce_policies)
    async with pair.a.container.db.transaction() as uow:
        await uow.resource_servers.update(changed)
    assert await directory.cached_resource_server(tenant_id, audience) is None
    assert await directory.resource_server(tenant_id, audience) == changed
    assert await directory.cached_resource_server(tenant_id, audience) == changed
