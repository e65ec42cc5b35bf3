"""OIDC Core §12.2: a refresh of an ``openid`` grant returns a fresh ID token that keeps the
original sign-in's facts. The grant is made by the real sign-in (authorize, form, code)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt

from tests.flows.login.conftest import World


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def _signed_in_tokens(world: World) -> dict[str, Any]:
    return await world.signed_in_tokens("openid profile email offline_access")


async def test_refresh_of_an_openid_grant_returns_an_id_token_with_the_original_auth_time(
    world: World,
) -> None:
    first = await _signed_in_tokens(world)
    original = _claims(first["id_token"])
    assert original["nonce"] == "nonce-456"
    world.clock.advance(timedelta(minutes=10))
    refreshed = await world.client.post(
        f"{world.base}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(world.app.client_id, world.secret),
    )
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["refresh_token"] != first["refresh_token"]
    claims = _claims(body["id_token"])
    # §12.2: same iss, sub, aud and azp; auth_time of the original authentication, a new
    # iat, and no nonce.
    for same in ("iss", "sub", "aud", "auth_time", "amr", "sid"):
        assert claims.get(same) == original.get(same), same
    assert claims["auth_time"] == original["auth_time"]
    assert claims["iat"] == original["iat"] + 600
    assert "nonce" not in claims
    assert claims["at_hash"] != original["at_hash"]
    # The signature verifies against the tenant's published keys.
    jwks = (await world.client.get(f"{world.base}/.well-known/jwks.json")).json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(body["id_token"])["kid"]]
    jwt.decode(
        body["id_token"],
        key=key.key,
        algorithms=["RS256"],
        audience=world.app.client_id,
        options={"verify_exp": False, "verify_iat": False},
    )


async def test_refresh_without_openid_returns_no_id_token(world: World) -> None:
    first = await _signed_in_tokens(world)
    refreshed = await world.client.post(
        f"{world.base}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "scope": "offline_access",
        },
        auth=(world.app.client_id, world.secret),
    )
    assert refreshed.status_code == 200, refreshed.text
    assert "id_token" not in refreshed.json()
