"""DP-05 (black box): once a user is erased, the refresh token they held is refused with
`invalid_grant` at the token endpoint, and their export is gone."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.oauth_helpers import (
    World,
    assert_oauth_error,
    code_form,
    issue_code,
    make_world,
    post_token,
    refresh_form,
)
from tier0.audit.event import Actor
from tier0.container import Container
from tier0.errors import NotFound

SCOPE = ("openid", "email", "offline_access", "read:things")


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


async def test_dp05_erased_users_refresh_token_gets_invalid_grant(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await issue_code(world, world.spa, scope=SCOPE, audience=world.api.identifier)
    response = await post_token(client, world, code_form(issued, world.spa), world.spa)
    assert response.status_code == 200, response.text
    refresh_token = response.json()["refresh_token"]

    admin = Actor.admin("dpo")
    report = await world.container.privacy.eraser.erase(
        world.tenant, world.user.user_id, actor=admin
    )
    assert report.refresh_tokens >= 1 and report.grants >= 1

    refused = await post_token(client, world, refresh_form(refresh_token, world.spa), world.spa)
    assert_oauth_error(refused, "invalid_grant")
    with pytest.raises(NotFound):
        await world.container.privacy.exporter.user(world.tenant, world.user.user_id, actor=admin)
