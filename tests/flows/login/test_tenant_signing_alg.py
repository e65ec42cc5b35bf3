"""JW-01 / JW-04 per tenant: the tenant's default signing algorithm signs the tokens no API
or application chose an algorithm for (here: the access token of a sign-in that names no
API), but only once its key has been in the JWKS for the relying parties' cache lifetime."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt

from tests.flows.login.conftest import World, query_of
from tier0.audit.changes import ChangedBy
from tier0.protocol.endpoints.suite import KEY_CACHE_TTL
from tier0.services.tenant_settings import TenantSettingsChange


async def _choose(world: World, alg: str) -> None:
    world.tenant = await world.container.tenant_settings.update(
        world.tenant, TenantSettingsChange(default_signing_alg=alg), by=ChangedBy.cli()
    )


async def _jwks(world: World) -> dict[str, Any]:
    response = await world.client.get(f"{world.base}/.well-known/jwks.json")
    body: dict[str, Any] = response.json()
    return body


async def _tokens(world: World, scope: str) -> dict[str, Any]:
    """Sign in (or use the live session: SSO) and redeem the code."""
    page = await world.authorize(scope=scope, prompt="login")
    redirect = await world.sign_in(page)
    response = await world.redeem(query_of(redirect)["code"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _verified_header(world: World, token: str) -> dict[str, Any]:
    header: dict[str, Any] = jwt.get_unverified_header(token)
    key = jwt.PyJWKSet.from_dict(await _jwks(world))[header["kid"]]
    jwt.decode(
        token,
        key=key.key,
        algorithms=[header["alg"]],
        options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
    )
    return header


async def test_jw01_tenant_default_alg_signs_access_tokens_after_jwks_caches(
    world: World,
) -> None:
    ttl = timedelta(seconds=world.container.settings.jwks_cache_ttl)
    before = await _tokens(world, "openid profile")
    assert (await _verified_header(world, before["access_token"]))["alg"] == "RS256"

    await _choose(world, "ES256")
    # JW-04: the new key is published at once (past this node's few-second key cache,
    # which PostgreSQL without Redis has no shared generation to clear), and does not
    # sign yet.
    world.clock.advance(KEY_CACHE_TTL)
    assert [k for k in (await _jwks(world))["keys"] if k["kty"] == "EC"]
    pending = await _tokens(world, "openid profile")
    assert (await _verified_header(world, pending["access_token"]))["alg"] == "RS256"

    world.clock.advance(ttl)
    after = await _tokens(world, "openid profile")
    header = await _verified_header(world, after["access_token"])
    assert header["alg"] == "ES256" and header["typ"] == "at+jwt"
    # The application kept its own ID token algorithm (RS256 unless it chose another).
    assert (await _verified_header(world, after["id_token"]))["alg"] == "RS256"


async def test_jw01_an_algorithm_already_published_signs_at_once(world: World) -> None:
    await world.container.keys.ensure(world.tenant.id, ["PS256"], by=ChangedBy.cli())
    world.clock.advance(timedelta(seconds=world.container.settings.jwks_cache_ttl))
    await _choose(world, "PS256")
    body = await _tokens(world, "openid")
    assert (await _verified_header(world, body["access_token"]))["alg"] == "PS256"
    view = world.container.tenant_settings.view(world.tenant)
    assert view["default_signing_alg"] == "PS256" and view["default_signing_alg_from"] is None


async def test_jw01_the_same_choice_again_keeps_a_pending_switch_pending(world: World) -> None:
    await _choose(world, "EdDSA")
    pending_from = world.container.tenant_settings.view(world.tenant)["default_signing_alg_from"]
    assert pending_from is not None
    await _choose(world, "EdDSA")
    again = world.container.tenant_settings.view(world.tenant)
    assert again["default_signing_alg_from"] == pending_from
    assert world.container.tenant_settings.signing_alg(world.tenant) == "RS256"
