"""/users: CRUD, search, block/unblock, pagination, roles and permissions (AC-04)."""

from __future__ import annotations

import httpx

from tests.flows.management.harness import Caller
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.domain import ApiScope
from tier0.services.resource_servers import ApiSpec


async def _create(client: httpx.AsyncClient, caller: Caller, **body: object) -> dict[str, object]:
    response = await client.post(f"{caller.base}/users", headers=caller.headers(), json=body)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def test_user_crud_and_block_unblock(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    user = await _create(
        client,
        caller,
        email="Ada@Example.com",
        password="a long enough password",
        name="Ada",
        user_metadata={"theme": "dark"},
        connection="Username-Password-Authentication",
    )
    url = f"{caller.base}/users/{user['user_id']}"
    h = caller.headers()
    assert (await client.get(url, headers=h)).json()["email"] == "Ada@Example.com"
    patched = await client.patch(
        url, headers=h, json={"blocked": True, "user_metadata": {"theme": None, "lang": "fr"}}
    )
    assert patched.status_code == 200
    assert patched.json()["blocked"] is True
    assert patched.json()["user_metadata"] == {"lang": "fr"}
    # A blocked user cannot sign in; unblocking restores it.
    from tier0.services.users import InvalidCredentials

    try:
        await container.users.authenticate(
            caller.tenant, "ada@example.com", "a long enough password"
        )
        raise AssertionError("blocked user signed in")
    except InvalidCredentials:
        pass
    assert (await client.patch(url, headers=h, json={"blocked": False})).json()["blocked"] is False
    await container.users.authenticate(caller.tenant, "ada@example.com", "a long enough password")
    assert (await client.delete(url, headers=h)).status_code == 204
    assert (await client.get(url, headers=h)).status_code == 404
    assert (await client.delete(url, headers=h)).status_code == 404


async def test_ac04_no_mass_assignment_and_no_hash_in_any_answer(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    h = caller.headers()
    for extra in (
        {"password_hash": "$2b$10$x"},
        {"tenant_id": "ten_other"},
        {"user_id": "x|1"},
        {"logins_count": 99},
    ):
        refused = await client.post(
            f"{caller.base}/users", headers=h, json={"email": "m@example.com", **extra}
        )
        assert refused.status_code == 400, extra
        assert refused.json()["errorCode"] == "invalid_body"
    user = await _create(client, caller, email="m@example.com", password="a long enough password")
    url = f"{caller.base}/users/{user['user_id']}"
    refused = await client.patch(url, headers=h, json={"password_hash": "x"})
    assert refused.status_code == 400
    for response in (
        await client.get(url, headers=h),
        await client.get(f"{caller.base}/users", headers=h),
        await client.patch(url, headers=h, json={"password": "another long password"}),
    ):
        assert "hash" not in response.text and "password" not in response.text


async def test_search_by_email_and_fields(client: httpx.AsyncClient, caller: Caller) -> None:
    h = caller.headers()
    await _create(client, caller, email="jo@example.com", name="Johanna")
    await _create(client, caller, email="max@example.com", name="Max", blocked=True)
    by_email = await client.get(f"{caller.base}/users-by-email?email=JO@example.com", headers=h)
    assert [u["email"] for u in by_email.json()] == ["jo@example.com"]
    for q, expected in (
        ('email:"max@example.com"', ["Max"]),
        ("name:Joh*", ["Johanna"]),
        ("blocked:true", ["Max"]),
        ("name:%_h*", []),  # LIKE wildcards in the value are literal
    ):
        found = await client.get(f"{caller.base}/users", params={"q": q}, headers=h)
        assert found.status_code == 200, q
        assert [u["name"] for u in found.json()] == expected, q
    for bad in ("password_hash:x", "name:j*", "name", "name:a*b"):
        assert (
            await client.get(f"{caller.base}/users", params={"q": bad}, headers=h)
        ).status_code == 400


async def test_pagination_totals_and_checkpoint(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    h = caller.headers()
    for i in range(5):
        await _create(client, caller, email=f"p{i}@example.com")
        container.clock.advance(1)  # type: ignore[attr-defined]
    page = (
        await client.get(f"{caller.base}/users?page=1&per_page=2&include_totals=true", headers=h)
    ).json()
    assert (page["start"], page["limit"], page["length"], page["total"]) == (2, 2, 2, 5)
    assert [u["email"] for u in page["users"]] == ["p2@example.com", "p3@example.com"]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"take": "2", **({"from": cursor} if cursor else {})}
        chunk = (await client.get(f"{caller.base}/users", params=params, headers=h)).json()
        seen += [u["email"] for u in chunk["users"]]
        cursor = chunk["next"]
        if cursor is None:
            break
    assert seen == [f"p{i}@example.com" for i in range(5)]
    bad = await client.get(f"{caller.base}/users", params={"from": "!!!"}, headers=h)
    assert bad.status_code == 400


async def test_user_roles_and_permissions(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    h = caller.headers()
    api = await container.apis.create(
        caller.tenant,
        ApiSpec(
            name="Orders",
            identifier="https://orders.test",
            scopes=(ApiScope("read:orders"), ApiScope("write:orders")),
        ),
        by=ChangedBy.cli(),
    )
    user = await _create(client, caller, email="r@example.com")
    role = (await client.post(f"{caller.base}/roles", headers=h, json={"name": "reader"})).json()
    perm = {"resource_server_identifier": api.identifier, "permission_name": "read:orders"}
    added = await client.post(
        f"{caller.base}/roles/{role['id']}/permissions", headers=h, json={"permissions": [perm]}
    )
    assert added.status_code == 201
    url = f"{caller.base}/users/{user['user_id']}"
    assert (
        await client.post(f"{url}/roles", headers=h, json={"roles": [role["id"]]})
    ).status_code == 204
    assert [r["name"] for r in (await client.get(f"{url}/roles", headers=h)).json()] == ["reader"]
    direct = {"resource_server_identifier": api.identifier, "permission_name": "write:orders"}
    assert (
        await client.post(f"{url}/permissions", headers=h, json={"permissions": [direct]})
    ).status_code == 201
    held = (await client.get(f"{url}/permissions", headers=h)).json()
    assert sorted(p["permission_name"] for p in held) == ["read:orders", "write:orders"]
    undefined = {"resource_server_identifier": api.identifier, "permission_name": "admin"}
    assert (
        await client.post(f"{url}/permissions", headers=h, json={"permissions": [undefined]})
    ).status_code == 400
    members = (await client.get(f"{caller.base}/roles/{role['id']}/users", headers=h)).json()
    assert [m["user_id"] for m in members] == [user["user_id"]]
    assert (
        await client.request("DELETE", f"{url}/roles", headers=h, json={"roles": [role["id"]]})
    ).status_code == 204
    assert (
        await client.request(
            "DELETE", f"{url}/permissions", headers=h, json={"permissions": [direct]}
        )
    ).status_code == 204
    assert (await client.get(f"{url}/permissions", headers=h)).json() == []


async def test_iv02_control_characters_are_a_400_not_a_database_error(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    h = caller.headers()
    assert (await client.get(f"{caller.base}/users/a%00b", headers=h)).status_code == 400
    by_email = await client.get(
        f"{caller.base}/users-by-email", params={"email": "a\x00@b.c"}, headers=h
    )
    assert by_email.status_code == 400
    nul_meta = await client.post(
        f"{caller.base}/users",
        headers=h,
        json={"email": "n@example.com", "user_metadata": {"k": "\x00"}},
    )
    assert nul_meta.status_code == 400
    assert nul_meta.headers["content-type"] == "application/problem+json"


async def test_bf01_user_blocks_are_listed_and_lifted_by_an_administrator(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    h = caller.headers()
    user = await _create(client, caller, email="Blocked@Example.com")
    protection = container.protection.brute_force
    for _ in range(protection.policy(caller.tenant.name).max_attempts):
        await protection.record_failure(caller.tenant.name, "blocked@example.com", "203.0.113.9")
    by_user = (await client.get(f"{caller.base}/user-blocks/{user['user_id']}", headers=h)).json()
    assert [b["ip"] for b in by_user["blocked_for"]] == ["203.0.113.9"]
    by_identifier = await client.get(
        f"{caller.base}/user-blocks", params={"identifier": "BLOCKED@example.com"}, headers=h
    )
    assert by_identifier.json() == by_user
    lifted = await client.delete(f"{caller.base}/user-blocks/{user['user_id']}", headers=h)
    assert lifted.status_code == 204
    after = (await client.get(f"{caller.base}/user-blocks/{user['user_id']}", headers=h)).json()
    assert after == {"blocked_for": []}
    verdict = await protection.check(caller.tenant.name, "blocked@example.com", "203.0.113.9")
    assert verdict.allowed
