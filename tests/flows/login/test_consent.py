"""Consent for third-party clients (OA-11), over HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.login.conftest import CALLBACK, World, hidden_fields, make_world, query_of
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import AppType
from tier0.services.applications import ApplicationSpec


@pytest.fixture
async def third(container: Container, client: httpx.AsyncClient, clock: FrozenClock) -> World:
    """A world whose application is a third-party one."""
    world = await make_world(container, client, clock)
    created = await container.applications.create(
        world.tenant,
        ApplicationSpec(
            "Partner <b>App</b>",
            AppType.REGULAR_WEB,
            callbacks=(CALLBACK,),
            is_first_party=False,
        ),
        by=ChangedBy.cli(),
    )
    world.app = created.application
    world.secret = created.client_secret or ""
    return world


async def _decide(world: World, page: httpx.Response, decision: str) -> httpx.Response:
    fields = hidden_fields(page.text)
    fields["decision"] = decision
    return await world.client.post(f"{world.base}/consent", data=fields)


async def test_oa11_third_party_asks_consent_after_sign_in(third: World) -> None:
    consent = await third.full_login()
    assert consent.status_code == 200
    assert "Allow access?" in consent.text
    assert "Partner &lt;b&gt;App&lt;/b&gt;" in consent.text  # IV-03
    assert "<code>openid</code>" in consent.text
    assert third.session_cookie() is not None  # signed in, not yet consented
    done = await _decide(third, consent, "allow")
    assert done.status_code == 303
    assert "code" in query_of(done)
    # Remembered: the next authorization goes straight through (SSO, no pages).
    again = await third.authorize(state="again")
    assert again.status_code == 303 and "code" in query_of(again)
    # prompt=consent asks again.
    asked = await third.authorize(prompt="consent")
    assert asked.status_code == 200 and "Allow access?" in asked.text


async def test_oa11_denied_consent_is_access_denied(third: World) -> None:
    consent = await third.full_login()
    denied = await _decide(third, consent, "deny")
    assert denied.status_code == 303
    params = query_of(denied)
    assert params["error"] == "access_denied"
    assert params["state"] == "state-123"
    assert params["iss"] == third.container.settings.tenant_base_url(third.tenant.name)


async def test_oa11_more_scope_asks_again(third: World) -> None:
    await _decide(third, await third.full_login(scope="openid"), "allow")
    wider = await third.authorize(scope="openid email")
    assert wider.status_code == 200 and "Allow access?" in wider.text


async def test_oa11_prompt_none_without_consent_is_consent_required(third: World) -> None:
    await third.full_login()  # signed in, consent page left unanswered
    silent = await third.authorize(prompt="none")
    assert query_of(silent)["error"] == "consent_required"


async def test_iv04_consent_post_needs_the_csrf_token(third: World) -> None:
    consent = await third.full_login()
    fields = hidden_fields(consent.text)
    del fields["csrf_token"]
    fields["decision"] = "allow"
    response = await third.client.post(
        f"{third.base}/consent", data=fields, headers={"sec-fetch-site": "cross-site"}
    )
    assert response.status_code == 403


async def test_consent_needs_a_live_session(third: World) -> None:
    consent = await third.full_login()
    third.client.cookies.delete(third.container.cookies.session_name(third.tenant.name))
    response = await _decide(third, consent, "allow")
    assert response.status_code == 400 and "location" not in response.headers
