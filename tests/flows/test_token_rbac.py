"""RBAC on an API (Auth0 ``enforce_policies`` and ``rfc9068_profile_authz``) in the code flow."""

from __future__ import annotations

from dataclasses import replace

import httpx
import jwt
import pytest

from tests.flows.oauth_helpers import World, code_form, issue_code, make_world, post_token
from tier0.container import Container
from tier0.crypto.random import random_id
from tier0.domain import Permission, Role

SCOPE = ("openid", "read:things", "write:things")


@pytest.fixture
async def world(container: Container) -> World:
    world = await make_world(container)
    rbac_api = replace(world.api, enforce_policies=True, token_dialect="rfc9068_profile_authz")
    async with container.db.transaction() as uow:
        await uow.resource_servers.update(rbac_api)
    return replace(world, api=rbac_api)


async def grant_role(world: World, *names: str) -> None:
    role = Role(
        tenant_id=world.tenant.id,
        id=random_id("rol_"),
        name=f"r-{random_id()}",
        created_at=world.container.clock.now(),
    )
    perms = [Permission(world.api.identifier, name) for name in names]
    async with world.container.db.transaction() as uow:
        await uow.roles.add(role)
        await uow.roles.add_permissions(world.tenant.id, role.id, perms)
        await uow.roles.assign(world.tenant.id, role.id, [world.user.user_id])


async def access_claims(client: httpx.AsyncClient, world: World) -> dict[str, object]:
    issued = await issue_code(world, world.spa, scope=SCOPE, audience=world.api.identifier)
    response = await post_token(client, world, code_form(issued, world.spa), world.spa)
    assert response.status_code == 200, response.text
    claims: dict[str, object] = jwt.decode(
        response.json()["access_token"], options={"verify_signature": False}
    )
    return claims


async def test_rbac_drops_api_scopes_the_user_does_not_hold(
    client: httpx.AsyncClient, world: World
) -> None:
    claims = await access_claims(client, world)
    assert claims["scope"] == "openid"
    assert claims["permissions"] == []


async def test_rbac_keeps_held_scopes_and_lists_permissions(
    client: httpx.AsyncClient, world: World
) -> None:
    await grant_role(world, "read:things")
    claims = await access_claims(client, world)
    assert claims["scope"] == "openid read:things"
    assert claims["permissions"] == ["read:things"]
