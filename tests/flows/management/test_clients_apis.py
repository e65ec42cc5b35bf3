"""/clients, /resource-servers, /client-grants and /roles through the API (AC-04: a client
secret is shown once, at creation or rotation, and never read back)."""

from __future__ import annotations

import httpx

from tests.flows.management.harness import Caller
from tier0.container import Container


async def test_client_secret_is_shown_once_and_rotation_replaces_it(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    h = caller.headers()
    created = await client.post(
        f"{caller.base}/clients",
        headers=h,
        json={"name": "Billing", "app_type": "regular_web", "callbacks": ["https://b.test/cb"]},
    )
    assert created.status_code == 201
    body = created.json()
    secret = body["client_secret"]
    assert len(secret) >= 43
    url = f"{caller.base}/clients/{body['client_id']}"
    for response in (
        await client.get(url, headers=h),
        await client.get(f"{caller.base}/clients", headers=h),
        await client.patch(url, headers=h, json={"name": "Billing 2"}),
    ):
        assert response.status_code == 200
        assert '"client_secret"' not in response.text and secret not in response.text
    rotated = (await client.post(f"{url}/rotate-secret", headers=h)).json()
    app = await container.applications.get(caller.tenant, body["client_id"])
    assert await container.applications.secret_matches(caller.tenant, app, rotated["client_secret"])
    assert not await container.applications.secret_matches(caller.tenant, app, secret)
    spa = await client.post(
        f"{caller.base}/clients", headers=h, json={"name": "S", "app_type": "spa"}
    )
    assert spa.json()["client_secret"] is None
    no_secret = await client.post(
        f"{caller.base}/clients/{spa.json()['client_id']}/rotate-secret", headers=h
    )
    assert no_secret.status_code == 400
    fixed = await client.patch(url, headers=h, json={"app_type": "spa"})
    assert fixed.status_code == 400 and fixed.json()["errorCode"] == "invalid_body"
    assert (await client.delete(url, headers=h)).status_code == 204
    assert (await client.get(url, headers=h)).status_code == 404


async def test_a_client_chooses_its_id_token_algorithm(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    """``id_token_signed_response_alg``: RS256 by default, another asymmetric algorithm on
    request, never ``none`` nor an HMAC (JW-01)."""
    h = caller.headers()
    plain = await client.post(f"{caller.base}/clients", headers=h, json={"name": "Plain"})
    assert plain.json()["id_token_signed_response_alg"] == "RS256"
    created = await client.post(
        f"{caller.base}/clients",
        headers=h,
        json={"name": "Fast", "app_type": "spa", "id_token_signed_response_alg": "ES256"},
    )
    assert created.status_code == 201 and created.json()["id_token_signed_response_alg"] == "ES256"
    url = f"{caller.base}/clients/{created.json()['client_id']}"
    assert (await client.get(url, headers=h)).json()["id_token_signed_response_alg"] == "ES256"
    renamed = await client.patch(url, headers=h, json={"name": "Fast 2"})
    assert renamed.json()["id_token_signed_response_alg"] == "ES256"  # kept when not sent
    changed = await client.patch(url, headers=h, json={"id_token_signed_response_alg": "EdDSA"})
    assert changed.status_code == 200 and changed.json()["id_token_signed_response_alg"] == "EdDSA"
    app = await container.applications.get(caller.tenant, created.json()["client_id"])
    assert app.id_token_signed_response_alg == "EdDSA"
    for bad in ("HS256", "none"):
        refused = await client.patch(url, headers=h, json={"id_token_signed_response_alg": bad})
        assert refused.status_code == 400 and refused.json()["errorCode"] == "invalid_body"


async def test_resource_servers_and_client_grants(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    h = caller.headers()
    api = (
        await client.post(
            f"{caller.base}/resource-servers",
            headers=h,
            json={
                "name": "Orders",
                "identifier": "https://orders.test",
                "scopes": [{"value": "read:orders", "description": "Read"}],
            },
        )
    ).json()
    assert api["is_system"] is False and api["token_lifetime"] == 600
    dup = await client.post(
        f"{caller.base}/resource-servers",
        headers=h,
        json={"name": "Again", "identifier": "https://orders.test"},
    )
    assert dup.status_code == 409
    api_url = f"{caller.base}/resource-servers/{api['id']}"
    moved = await client.patch(api_url, headers=h, json={"identifier": "https://x.test"})
    assert moved.status_code == 400
    patched = await client.patch(
        api_url, headers=h, json={"token_lifetime": 300, "enforce_policies": True}
    )
    assert patched.json()["token_lifetime"] == 300 and patched.json()["enforce_policies"] is True
    m2m = (
        await client.post(
            f"{caller.base}/clients",
            headers=h,
            json={"name": "robot", "app_type": "non_interactive"},
        )
    ).json()
    grant = await client.post(
        f"{caller.base}/client-grants",
        headers=h,
        json={
            "client_id": m2m["client_id"],
            "audience": "https://orders.test",
            "scope": ["read:orders"],
        },
    )
    assert grant.status_code == 201
    undefined = await client.patch(
        f"{caller.base}/client-grants/{grant.json()['id']}",
        headers=h,
        json={"scope": ["write:orders"]},
    )
    assert undefined.status_code == 400
    listed = await client.get(
        f"{caller.base}/client-grants", params={"client_id": m2m["client_id"]}, headers=h
    )
    assert [g["audience"] for g in listed.json()] == ["https://orders.test"]
    assert (
        await client.delete(f"{caller.base}/client-grants/{grant.json()['id']}", headers=h)
    ).status_code == 204
    assert (await client.delete(api_url, headers=h)).status_code == 204
    totals = (
        await client.get(f"{caller.base}/resource-servers?include_totals=true", headers=h)
    ).json()
    assert totals["total"] == 1 and totals["resource_servers"][0]["is_system"] is True


async def test_roles_crud(client: httpx.AsyncClient, caller: Caller) -> None:
    h = caller.headers()
    role = (
        await client.post(
            f"{caller.base}/roles", headers=h, json={"name": "admin", "description": "all"}
        )
    ).json()
    url = f"{caller.base}/roles/{role['id']}"
    clash = await client.post(f"{caller.base}/roles", headers=h, json={"name": "admin"})
    assert clash.status_code == 409
    renamed = await client.patch(url, headers=h, json={"name": "owner"})
    assert renamed.json() == {"id": role["id"], "name": "owner", "description": "all"}
    assert (await client.get(url, headers=h)).json()["name"] == "owner"
    assert (await client.delete(url, headers=h)).status_code == 204
    assert (await client.get(url, headers=h)).status_code == 404


async def test_tenant_settings_read_and_rename(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    url = f"{caller.base}/tenants/settings"
    current = (await client.get(url, headers=headers)).json()
    assert current["issuer"] == caller.issuer
    assert current["management_api"] == f"{caller.issuer}/api/v2/"
    renamed = await client.patch(url, headers=headers, json={"friendly_name": "Acme Corp"})
    assert renamed.json()["friendly_name"] == "Acme Corp"
    assert (await container.tenants.get(caller.tenant.name)).display_name == "Acme Corp"
    moved = await client.patch(url, headers=headers, json={"name": "elsewhere"})
    assert moved.status_code == 400
