"""Interop: strict third-party relying-party libraries (openid-client 6, oauth4webapi 3)
against a live `tier0 serve`, set up through the CLI (OA-03, OA-04, OA-06..OA-10, OA-12)."""

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
