"""Security events of the token side, in the audit chain with the change (LG-01, LG-02)."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.oauth_helpers import (
    World,
    code_form,
    issue_code,
    make_world,
    post_token,
    refresh_form,
)
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


async def types_of(world: World) -> list[EventType]:
    """The token side's events (the world's setup recorded its management.* changes)."""
    logged = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id))
    return [item.event.type for item in logged if not item.event.type.startswith("management.")]


async def test_lg01_code_replay_and_refresh_reuse_are_recorded(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await issue_code(world, world.spa)
    first = await post_token(client, world, code_form(issued, world.spa), world.spa)
    rt1 = first.json()["refresh_token"]
    rotated = await post_token(client, world, refresh_form(rt1, world.spa), world.spa)
    assert rotated.status_code == 200
    assert (await post_token(client, world, refresh_form(rt1, world.spa), world.spa)).is_error
    assert (await post_token(client, world, code_form(issued, world.spa), world.spa)).is_error
    assert await types_of(world) == [
        EventType.AUTHORIZATION_CODE_REDEEMED,
        EventType.TOKEN_REFRESHED,
        EventType.REFRESH_TOKEN_REUSED,
        EventType.AUTHORIZATION_CODE_REPLAYED,
    ]


async def test_lg02_events_hold_no_token_or_code(client: httpx.AsyncClient, world: World) -> None:
    issued = await issue_code(world, world.web)
    body = (await post_token(client, world, code_form(issued, world.web), world.web)).json()
    await client.post(
        f"{world.path}/oauth/revoke",
        data={"token": body["refresh_token"]},
        headers=world.web.basic(),
    )
    logged = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id))
    assert [item.event.type for item in logged][-1] is EventType.REFRESH_TOKEN_REVOKED
    text = repr([item.event for item in logged])
    for secret in (issued.code, issued.verifier, body["refresh_token"], body["access_token"]):
        assert secret not in text
    token_side = [item for item in logged if not item.event.type.startswith("management.")]
    assert token_side and all(item.event.client_id == world.web.client_id for item in token_side)
