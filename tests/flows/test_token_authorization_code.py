"""The authorization code grant at /oauth/token (OA-03, OA-05, OA-06, AV-06)."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import httpx
import jwt
import pytest

from tests.flows.oauth_helpers import (
    REDIRECT_URI,
    World,
    assert_oauth_error,
    code_form,
    introspect,
    issue_code,
    make_world,
    post_token,
    refresh_form,
)
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.protocol.grants.family import REFRESH_PURPOSE


@pytest.fixture
async def world(container: Container) -> World:
    return await make_world(container)


def unverified(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def test_code_redeems_for_access_id_and_refresh_token(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await issue_code(world, world.web, audience=world.api.identifier)
    response = await post_token(client, world, code_form(issued, world.web), world.web)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) >= {"access_token", "id_token", "refresh_token", "expires_in", "scope"}
    access = unverified(body["access_token"])
    assert access["aud"] == [world.api.identifier, f"{world.issuer}/userinfo"]
    assert access["sub"] == world.user.user_id
    assert access["client_id"] == world.web.client_id
    id_header = jwt.get_unverified_header(body["id_token"])
    assert id_header["alg"] == "RS256" and id_header["typ"] == "JWT"
    id_claims = unverified(body["id_token"])
    assert id_claims["aud"] == world.web.client_id
    assert id_claims["iss"] == world.issuer
    assert id_claims["nonce"] == "n-0S6_WzA2Mj"
    assert id_claims["email"] == world.user.email and id_claims["email_verified"] is True
    assert id_claims["name"] == "Ada"
    assert id_claims["amr"] == ["pwd"] and isinstance(id_claims["auth_time"], int)
    assert isinstance(id_claims["sid"], str)
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert id_claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_public_client_redeems_without_secret(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await issue_code(world, world.spa, scope=("openid",))
    response = await post_token(client, world, code_form(issued, world.spa), world.spa)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body  # offline_access was not granted
    assert unverified(body["access_token"])["aud"] == f"{world.issuer}/userinfo"


async def test_oa04_long_nonce_round_trips(client: httpx.AsyncClient, world: World) -> None:
    nonce = "N" * 100
    issued = await issue_code(world, world.spa, scope=("openid",), nonce=nonce)
    response = await post_token(client, world, code_form(issued, world.spa), world.spa)
    assert unverified(response.json()["id_token"])["nonce"] == nonce


async def test_oa05_expired_code_is_invalid_grant(
    client: httpx.AsyncClient, world: World, clock: FrozenClock
) -> None:
    issued = await issue_code(world, world.spa)
    clock.advance(61)
    response = await post_token(client, world, code_form(issued, world.spa), world.spa)
    assert_oauth_error(response, "invalid_grant")


async def test_oa05_code_of_another_client_is_invalid_grant(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await issue_code(world, world.spa)
    response = await post_token(client, world, code_form(issued, world.web), world.web)
    assert_oauth_error(response, "invalid_grant")
    # The stranger's attempt did not burn the rightful client's code.
    ok = await post_token(client, world, code_form(issued, world.spa), world.spa)
    assert ok.status_code == 200, ok.text


async def test_oa05_other_redirect_uri_is_invalid_grant(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await issue_code(world, world.spa)
    for uri in (REDIRECT_URI + "/", "https://app.example.com/other"):
        form = code_form(issued, world.spa, redirect_uri=uri)
        assert_oauth_error(await post_token(client, world, form, world.spa), "invalid_grant")
    form = code_form(issued, world.spa)
    del form["redirect_uri"]
    assert_oauth_error(await post_token(client, world, form, world.spa), "invalid_grant")


async def test_oa03_wrong_or_missing_verifier_is_invalid_grant(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await issue_code(world, world.spa)
    wrong = code_form(issued, world.spa, code_verifier="A" * 43)
    assert_oauth_error(await post_token(client, world, wrong, world.spa), "invalid_grant")
    missing = code_form(issued, world.spa)
    del missing["code_verifier"]
    assert_oauth_error(await post_token(client, world, missing, world.spa), "invalid_grant")


async def test_unknown_code_is_invalid_grant(client: httpx.AsyncClient, world: World) -> None:
    issued = await issue_code(world, world.spa)
    form = code_form(issued, world.spa, code="not-a-code")
    assert_oauth_error(await post_token(client, world, form, world.spa), "invalid_grant")


async def test_blocked_user_cannot_redeem(client: httpx.AsyncClient, world: World) -> None:
    issued = await issue_code(world, world.spa)
    await world.container.users.set_blocked(
        world.tenant, world.user.user_id, True, by=ChangedBy.cli()
    )
    response = await post_token(client, world, code_form(issued, world.spa), world.spa)
    assert_oauth_error(response, "invalid_grant")


async def test_oa06_code_replay_revokes_grant(client: httpx.AsyncClient, world: World) -> None:
    issued = await issue_code(world, world.web, audience=world.api.identifier)
    first = await post_token(client, world, code_form(issued, world.web), world.web)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert (await introspect(client, world, tokens["access_token"]))["active"] is True
    replay = await post_token(client, world, code_form(issued, world.web), world.web)
    assert_oauth_error(replay, "invalid_grant")
    assert await introspect(client, world, tokens["access_token"]) == {"active": False}
    assert await introspect(client, world, tokens["refresh_token"]) == {"active": False}
    refreshed = await post_token(
        client, world, refresh_form(tokens["refresh_token"], world.web), world.web
    )
    assert_oauth_error(refreshed, "invalid_grant")


async def test_oa06_parallel_redemptions_give_exactly_one_token(
    client: httpx.AsyncClient, world: World, backend: str
) -> None:
    """20 concurrent redemptions of one code: one 200, nineteen invalid_grant (atomic
    consume, on every backend)."""
    issued = await issue_code(world, world.spa)
    form = code_form(issued, world.spa)
    responses = await asyncio.gather(
        *(post_token(client, world, form, world.spa) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 19, statuses
    assert {r.json()["error"] for r in responses if r.status_code == 400} == {"invalid_grant"}


async def test_av06_refresh_token_is_committed_before_the_response(
    client: httpx.AsyncClient, world: World
) -> None:
    """A fresh unit of work sees the refresh token as soon as the 200 arrives."""
    issued = await issue_code(world, world.web)
    response = await post_token(client, world, code_form(issued, world.web), world.web)
    assert response.status_code == 200
    container = world.container
    key = await container.keyring.hash_key(world.tenant.id)
    token_hash = key.digest(response.json()["refresh_token"], purpose=REFRESH_PURPOSE)
    async with container.db.read() as uow:
        stored = await uow.refresh_tokens.get(world.tenant.id, token_hash)
    assert stored is not None and stored.grant_id == issued.grant_id
    assert stored.client_id == world.web.client_id
