"""Interop: strict third-party relying-party libraries (openid-client 6, oauth4webapi 3)
against a live `tier0 serve`, set up through the CLI (OA-03, OA-04, OA-06..OA-10, OA-12, SE-04)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.interop.conftest import LiveServer, run_flow

pytestmark = [pytest.mark.interop, pytest.mark.xdist_group(__name__)]

TENANT = "interop"
AUDIENCE = "https://api.interop.test/orders"
PASSWORD = "velvet otter lantern quarry 9"


@pytest.fixture(scope="module")
def scenario(live_server: LiveServer) -> dict[str, Any]:
    cli = live_server.cli
    cli("tenant", "create", TENANT)
    cli(
        "api", "create", "-t", TENANT, "--name", "Orders", "--identifier", AUDIENCE,
        "--scope", "read:orders", "--signing-alg", "ES256", "--offline-access",
    )  # fmt: skip
    m2m = cli("app", "create", "-t", TENANT, "--name", "worker", "--type", "m2m")
    cli(
        "grant", "create", "-t", TENANT, "--client-id", m2m["client_id"], "--api", AUDIENCE,
        "--scope", "read:orders",
    )  # fmt: skip
    web = cli(
        "app", "create", "-t", TENANT, "--name", "web", "--type", "web",
        "--callback", "http://127.0.0.1/callback", "--logout-url", "http://127.0.0.1/bye",
    )  # fmt: skip
    user = cli(
        "user", "create", "-t", TENANT, "--email", "alice@interop.test", "--password-stdin",
        "--verified", stdin=PASSWORD + "\n",
    )  # fmt: skip
    return {
        "issuer": live_server.issuer(TENANT),
        "audience": AUDIENCE,
        "scope": "read:orders",
        "m2m": {"client_id": m2m["client_id"], "client_secret": m2m["client_secret"]},
        "web": {
            "client_id": web["client_id"],
            "client_secret": web["client_secret"],
            "callback": "http://127.0.0.1/callback",
            "logout_url": "http://127.0.0.1/bye",
        },
        "user": {"email": "alice@interop.test", "password": PASSWORD, "user_id": user["user_id"]},
    }


def test_oa10_discovery_and_client_credentials(scenario: dict[str, Any]) -> None:
    result = run_flow("discovery_client_credentials.mjs", scenario)
    assert result["issuer"] == scenario["issuer"]
    assert result["code_challenge_methods_supported"] == ["S256"]
    assert result["iss_parameter_supported"] is True
    claims = result["claims"]
    assert claims["aud"] == AUDIENCE
    assert claims["client_id"] == scenario["m2m"]["client_id"]
    assert claims["scope"] == "read:orders"
    assert claims["iss"] == scenario["issuer"]
    assert result["token_type"].lower() == "bearer"


def test_oa04_oa07_code_flow_refresh_revoke_logout(scenario: dict[str, Any]) -> None:
    result = run_flow("code_flow.mjs", scenario)
    assert result["callback_has_iss"] is True
    assert result["id_token"]["nonce_ok"] is True
    assert result["id_token"]["sub"] == scenario["user"]["user_id"]
    assert "pwd" in result["id_token"]["amr"]
    assert result["userinfo"]["sub"] == scenario["user"]["user_id"]
    assert result["userinfo"]["email"] == scenario["user"]["email"]
    assert result["introspect_at"]["active"] is True
    assert result["introspect_rt"]["active"] is True
    assert result["rotated_new_rt"] is True
    assert result["reuse_error"] == "invalid_grant"
    assert result["family_error"] == "invalid_grant"  # OA-07: the whole family is revoked
    assert result["sso_same_sub"] is True
    assert result["after_revoke_refresh_error"] == "invalid_grant"
    assert result["after_revoke_introspect_at"] is False
    assert result["logout_redirect"] == "http://127.0.0.1/bye"
    assert result["logout_state"] == "bye"
    assert result["after_logout_error"] == "login_required"


def test_oa03_oa06_oa07_oa08_oa10_se04_oauth4webapi_code_flow(scenario: dict[str, Any]) -> None:
    """The browser-app life cycle through oauth4webapi's own strict API: PKCE S256 (OA-03),
    `validateAuthResponse` on success and error callbacks (OA-10), code replay (OA-06),
    rotation and reuse (OA-07), revocation, and RP-initiated logout (SE-04), which also
    revokes the session's refresh tokens (OA-08)."""
    result = run_flow("oauth4webapi_code_flow.mjs", scenario)
    issuer, sub = scenario["issuer"], scenario["user"]["user_id"]
    assert result["iss_parameter_supported"] is True
    assert result["end_session_endpoint"] == f"{issuer}/oidc/logout"
    assert result["callback_iss"] == issuer
    assert result["id_token"] == {
        "sub": sub, "aud": scenario["web"]["client_id"], "nonce_ok": True, "amr": ["pwd"],
    }  # fmt: skip
    assert result["token_type"] == "bearer"
    assert result["at_hash_ok"] is True
    access_token = result["access_token"]
    assert access_token["sub"] == sub
    assert access_token["client_id"] == scenario["web"]["client_id"]
    assert access_token["iss"] == issuer
    # Auth0 style: with `openid`, the token is also good at the tenant's userinfo endpoint.
    assert access_token["aud"] == [AUDIENCE, f"{issuer}/userinfo"]
    assert "read:orders" in access_token["scope"].split()
    assert result["userinfo"]["sub"] == sub
    assert result["userinfo"]["email"] == scenario["user"]["email"]
    assert result["introspect_at"] is True
    assert result["introspect_rt"] is True
    assert result["rotated_new_rt"] is True
    assert result["refreshed_access_token"] == {
        "sub": sub, "client_id": scenario["web"]["client_id"], "scope": access_token["scope"],
    }  # fmt: skip
    assert result["refreshed_id_token"] == {
        "same_iss_sub_aud": True, "same_auth_time": True, "nonce_ok": True, "at_hash_ok": True,
    }  # fmt: skip
    assert result["reuse_error"] == "invalid_grant"
    assert result["family_error"] == "invalid_grant"
    assert result["sso_same_sub"] is True
    assert result["before_revoke_introspect_rt"] is True
    assert result["after_revoke_introspect_rt"] is False
    assert result["after_revoke_introspect_at"] is False
    assert result["after_revoke_refresh_error"] == "invalid_grant"
    assert result["after_revoke_userinfo_error"] == "invalid_token"
    assert result["revoke_unknown_error"] is None
    assert result["introspect_unknown"] is False
    assert result["no_pkce_error"] == "invalid_request"
    assert result["plain_pkce_error"] == "invalid_request"
    assert result["wrong_verifier_error"] == "invalid_grant"
    assert result["code_replay_error"] == "invalid_grant"
    assert result["after_replay_introspect_at"] is False
    assert result["after_replay_introspect_rt"] is False
    assert result["form_post_iss"] == issuer
    assert result["form_post_same_sub"] is True
    assert result["before_logout_introspect_rt"] is True
    assert result["near_miss_logout"] == {"status": 400, "location": None}
    assert result["logout_confirmation_status"] == 200
    assert result["logout_redirect"] == scenario["web"]["logout_url"]
    assert result["logout_state"] == "bye"
    assert result["after_logout_introspect_rt"] is False  # OA-08
    assert result["after_logout_refresh_error"] == "invalid_grant"
    assert result["after_logout_error"] == "login_required"
    assert result["old_cookie_error"] == "login_required"
