"""RFC 8707 ``resource`` at /authorize, without Auth0's ``audience`` (OA-12): the API it
names is the access token's audience, and an unknown one is ``invalid_target``."""

from __future__ import annotations

import jwt

from tests.flows.login.conftest import World, query_of
from tests.flows.oauth_helpers import make_api


async def test_oa12_resource_at_authorize_selects_the_access_tokens_audience(
    world: World,
) -> None:
    api = await make_api(world.container, world.tenant)
    redirect = await world.full_login(scope="openid read:things", resource=api.identifier)
    assert redirect.status_code == 303, redirect.text
    tokens = await world.redeem(query_of(redirect)["code"])
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    issuer = world.container.settings.tenant_base_url(world.tenant.name)
    assert access["aud"] == [api.identifier, f"{issuer}/userinfo"]
    assert "read:things" in access["scope"].split()
    # The API's own signing algorithm, so the token really was minted for that API.
    assert jwt.get_unverified_header(body["access_token"])["alg"] == api.signing_alg


async def test_oa12_unknown_resource_at_authorize_is_invalid_target(world: World) -> None:
    await make_api(world.container, world.tenant)
    response = await world.authorize(resource="https://unknown.example.com/api")
    assert response.status_code == 303
    params = query_of(response)
    assert params["error"] == "invalid_target"
    assert params["state"] == "state-123"
    assert "code" not in params
