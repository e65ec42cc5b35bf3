"""/authorize and the sign-in POST over HTTP (OA-01..OA-04, OA-10, OA-11)."""

from __future__ import annotations

import pytest

from tests.flows.login.conftest import CALLBACK, World, hidden_fields, query_of
from tier0.audit.changes import ChangedBy
from tier0.domain import AppType
from tier0.login.codes import CODE_PURPOSE
from tier0.services.applications import ApplicationSpec

NEAR_MISSES = [
    CALLBACK + "/",
    "HTTPS://app.example.com/callback",
    "https://APP.example.com/callback",
    CALLBACK + "?extra=1",
    "https://app.example.com/%2e/callback",
    "https://app.example.com/./callback",
    "https://user@app.example.com/callback",
    "https://app.example.com:443/callback",
    "https://app.example.com:8443/callback",
    CALLBACK + "#fragment",
    "https://app.example.com.evil.com/callback",
    "https://good.evil.com/callback",
    "http://app.example.com/callback",
    "https://app.example.com/cb?x=1&x=2",
]


@pytest.mark.parametrize("redirect_uri", NEAR_MISSES)
async def test_oa01_near_miss_redirect_uri_gets_error_page(world: World, redirect_uri: str) -> None:
    response = await world.authorize(redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "text/html" in response.headers["content-type"]
    assert "invalid_request" in response.text


async def test_oa01_registered_uri_with_query_is_kept(world: World) -> None:
    page = await world.authorize(redirect_uri="https://app.example.com/cb?x=1")
    done = await world.sign_in(page)
    assert done.status_code == 303
    assert done.headers["location"].startswith("https://app.example.com/cb?x=1&code=")


@pytest.mark.parametrize("client_id", ["nope", None])
async def test_oa02_unknown_or_missing_client_gets_error_page(
    world: World, client_id: str | None
) -> None:
    response = await world.authorize(client_id=client_id)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_oa02_login_post_answers_303(world: World) -> None:
    response = await world.full_login()
    assert response.status_code == 303


async def test_oa10_success_carries_code_state_and_iss(world: World) -> None:
    state = "S" * 1500
    response = await world.full_login(state=state)
    params = query_of(response)
    assert response.headers["location"].startswith(CALLBACK + "?")
    assert params["state"] == state
    assert params["iss"] == world.container.settings.tenant_base_url(world.tenant.name)
    assert len(params["code"]) >= 43  # 256 bits, base64url


async def test_oa04_state_and_nonce_round_trip(world: World) -> None:
    state, nonce = "s" * 1500, "n" * 64
    params = query_of(await world.full_login(state=state, nonce=nonce))
    assert params["state"] == state
    key = await world.container.keyring.hash_key(world.tenant.id)
    async with world.container.db.transaction() as uow:
        found = await uow.codes.consume(
            world.tenant.id,
            key.digest(params["code"], purpose=CODE_PURPOSE),
            world.container.clock.now(),
        )
    assert found is not None and found.first_use
    code = found.item
    assert code.nonce == nonce
    assert code.redirect_uri == CALLBACK
    assert code.client_id == world.app.client_id
    assert code.code_challenge_method == "S256"
    assert code.expires_at is not None and code.created_at is not None
    assert (code.expires_at - code.created_at).total_seconds() <= 60


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"audience": "https://unknown.example.com/api"}, "invalid_target"),
    ],
)
async def test_oa03_oa11_refusals_redirect_with_iss(
    world: World, overrides: dict[str, str | None], error: str
) -> None:
    response = await world.authorize(**overrides)
    assert response.status_code == 303
    params = query_of(response)
    assert params["error"] == error
    assert params["state"] == "state-123"
    assert params["iss"] == world.container.settings.tenant_base_url(world.tenant.name)


async def test_oa11_plain_pkce_named_test_alias(world: World) -> None:
    """OA-03 (authorize side): ``plain`` is refused before any sign-in."""
    response = await world.authorize(code_challenge_method="plain")
    assert query_of(response)["error"] == "invalid_request"
    assert "code" not in query_of(response)


async def test_form_post_response_mode(world: World) -> None:
    response = await world.full_login(response_mode="form_post")
    assert response.status_code == 200
    fields = hidden_fields(response.text)
    assert set(fields) == {"code", "state", "iss"}
    assert f'action="{CALLBACK}"' in response.text
    assert '<script src="/static/form-post.js"' in response.text
    assert "<script>" not in response.text
    csp = response.headers["content-security-policy"]
    assert "form-action 'self' https://app.example.com" in csp
    assert "script-src 'self'" in csp


async def test_tampered_interaction_record_gets_error_page(world: World) -> None:
    page = await world.authorize()
    fields = hidden_fields(page.text)
    record = fields["interaction"]
    fields["interaction"] = record[:-4] + ("AAAA" if not record.endswith("AAAA") else "BBBB")
    fields["email"], fields["password"] = world.email, "correct horse battery staple"
    response = await world.client.post(f"{world.base}/login", data=fields)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_static_assets_are_served(world: World) -> None:
    script = await world.client.get("/static/form-post.js")
    assert script.status_code == 200
    style = await world.client.get("/static/tier0.css")
    assert style.status_code == 200


async def test_form_post_error_response(world: World) -> None:
    response = await world.authorize(prompt="none", response_mode="form_post")
    assert response.status_code == 200
    fields = hidden_fields(response.text)
    assert fields["error"] == "login_required"
    assert fields["state"] == "state-123"
    assert fields["iss"] == world.container.settings.tenant_base_url(world.tenant.name)


async def test_authorize_accepts_post(world: World) -> None:
    page = await world.client.post(f"{world.base}/authorize", data=world.authorize_params())
    assert page.status_code == 200 and 'name="password"' in page.text
    done = await world.sign_in(page)
    assert done.status_code == 303 and "code" in query_of(done)


async def test_oa11_client_without_code_grant_is_unauthorized(world: World) -> None:
    created = await world.container.applications.create(
        world.tenant,
        ApplicationSpec(
            "Backend",
            AppType.REGULAR_WEB,
            callbacks=(CALLBACK,),
            grant_types=("client_credentials",),
        ),
        by=ChangedBy.cli(),
    )
    response = await world.authorize(client_id=created.application.client_id)
    assert response.status_code == 303
    assert query_of(response)["error"] == "unauthorized_client"


async def test_iv06_no_cors_on_authorize(world: World) -> None:
    response = await world.client.options(
        f"{world.base}/authorize",
        headers={"origin": "https://app.example.com", "access-control-request-method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers
    page = await world.authorize()
    assert "access-control-allow-origin" not in page.headers
