"""AC-01 and AC-02 over every operation of the OpenAPI document: a new endpoint without a
scope, or one that answers a foreign tenant, fails here."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from tests.conftest import unique
from tests.flows.management.harness import Caller, later, make_caller, signed_in
from tests.flows.management.operations import Operation, operations, send
from tier0.audit import Actor
from tier0.audit.changes import ChangedBy
from tier0.audit.streams import StreamKind
from tier0.container import Container
from tier0.domain import ApiScope, AppType, Permission
from tier0.management.scopes import SCOPE_VALUES, management_audience
from tier0.protection.documents import SuspiciousIpThrottlingUpdate
from tier0.services.applications import ApplicationSpec
from tier0.services.resource_servers import ApiSpec
from tier0.services.users import UserSpec


async def _ops(client: httpx.AsyncClient, caller: Caller) -> list[Operation]:
    response = await client.get(f"{caller.base}/openapi.json")
    assert response.status_code == 200
    return operations(response.json())


async def _objects(container: Container, caller: Caller) -> dict[str, str]:
    """One object of every kind in the caller's tenant, by path parameter name."""
    tenant = caller.tenant
    user = await container.users.create(
        tenant, UserSpec(email=f"{unique('u')}@example.com"), by=ChangedBy.cli()
    )
    app = await container.applications.create(
        tenant,
        ApplicationSpec(name=unique("app"), app_type=AppType.NON_INTERACTIVE),
        by=ChangedBy.cli(),
    )
    api = await container.apis.create(
        tenant,
        ApiSpec(
            name="Orders",
            identifier=f"https://{tenant.name}.test/orders",
            scopes=(ApiScope("read:orders"),),
        ),
        by=ChangedBy.cli(),
    )
    grant = await container.client_grants.create(
        tenant, app.application.client_id, api.identifier, ["read:orders"], by=ChangedBy.cli()
    )
    role = await container.roles.create(tenant, unique("role"), by=ChangedBy.cli())
    await container.roles.add_permissions(
        tenant, role.id, [Permission(api.identifier, "read:orders")], by=ChangedBy.cli()
    )
    kid = (await container.keys.list(tenant.id))[0].kid
    job = await container.jobs.create_export(
        tenant, options={"format": "json", "fields": [], "limit": None}, by=ChangedBy.cli()
    )
    session_id, token_id = await signed_in(
        container, tenant, user.user_id, app.application.client_id
    )
    stream, _ = await container.streams.create(
        tenant.id,
        unique("s"),
        StreamKind.JSONL,
        {"path": "/dev/null"},
        actor=Actor.system("test"),
    )
    # An IP throttled in this tenant only: one failed sign-in empties a one-token bucket.
    ip = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    one_try = SuspiciousIpThrottlingUpdate.model_validate(
        {"stage": {"pre-login": {"max_attempts": 1}}}
    )
    await container.protection_policies.update(
        tenant, "suspicious-ip-throttling", one_try, by=ChangedBy.cli()
    )
    await container.protection.suspicious_ip.record_login_failure(tenant.name, ip, "x@example.com")
    # A second factor to name in /users/{id}/authentication-methods/{id}.
    enrollment = await container.mfa.enroll_totp(tenant, user.user_id, account="u")
    return {
        "authentication_method_id": enrollment.factor_id,
        "ip": ip,
        "kid": kid,
        "session_id": session_id,
        "job_id": job.id,
        "token_id": token_id,
        "stream_id": stream.id,
        "user_id": user.user_id,
        "client_id": app.application.client_id,
        "api_id": api.id,
        "grant_id": grant.id,
        "role_id": role.id,
        "api_identifier": api.identifier,
    }


def _body(schema: str | None, ids: dict[str, str]) -> Any:
    """A valid body for each request schema; a schema missing here fails the test, so a new
    write endpoint cannot skip the isolation check."""
    permission = {
        "resource_server_identifier": ids["api_identifier"],
        "permission_name": "read:orders",
    }
    bodies: dict[str | None, Any] = {
        None: None,
        "UserCreate": {"email": f"{unique('n')}@example.com"},
        "UserUpdate": {"name": "Renamed"},
        "RolesBody": {"roles": [ids["role_id"]]},
        "PermissionsBody": {"permissions": [permission]},
        "ClientCreate": {"name": unique("c"), "app_type": "non_interactive"},
        "ClientUpdate": {"name": unique("c")},
        "ResourceServerCreate": {"name": "X", "identifier": f"https://{unique('x')}.test"},
        "ResourceServerUpdate": {"name": "Renamed"},
        "ClientGrantCreate": {"client_id": ids["client_id"], "audience": ids["api_identifier"]},
        "ClientGrantUpdate": {"scope": []},
        "RoleCreate": {"name": unique("r")},
        "RoleUpdate": {"description": "changed"},
        "RoleUsersBody": {"users": [ids["user_id"]]},
        "RotateBody": {},
        "LogStreamCreate": {
            "name": unique("n"),
            "type": "jsonl",
            "config": {"path": "/dev/null"},
        },
        "LogStreamUpdate": {"status": "paused"},
        "UsersImport": {
            "users": ("users.json", b'[{"email": "imported@example.com"}]', "application/json"),
            "connection_id": "Username-Password-Authentication",
        },
        "UsersExport": {"format": "json"},
        "TenantSettingsUpdate": {"friendly_name": "Renamed"},
        "BruteForceProtectionUpdate": {"max_attempts": 5},
        "SuspiciousIpThrottlingUpdate": {"enabled": True},
        "BreachedPasswordDetectionUpdate": {"enabled": True},
        "RateLimitsUpdate": {"limits": {"token": {"ip": "100/second"}}},
    }
    assert schema in bodies, f"add a valid {schema} body to this test"
    return bodies[schema]


async def test_ac01_every_operation_declares_one_known_scope(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    ops = await _ops(client, caller)
    assert len(ops) >= 30
    assert {op.scope for op in ops} <= SCOPE_VALUES


async def test_ac01_every_operation_refuses_a_token_without_its_scope(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    ids = await _objects(container, caller)
    for op in await _ops(client, caller):
        # A real token from the client-credentials grant, asked for every scope but one.
        headers = await caller.issued_headers(client, SCOPE_VALUES - {op.scope})
        response = await send(
            client, op, op.url(caller.base, ids), headers, _body(op.body_schema, ids)
        )
        assert response.status_code == 403, op.label
        problem = response.json()
        assert problem["errorCode"] == "insufficient_scope", op.label
        assert problem["message"] == f"Insufficient scope, expected any of: {op.scope}"
        assert response.headers["content-type"] == "application/problem+json"
        assert f'scope="{op.scope}"' in response.headers["www-authenticate"]


async def test_ac01_every_operation_needs_a_bearer_token(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    ids = await _objects(container, caller)
    token = caller.token()
    for op in await _ops(client, caller):
        url = op.url(caller.base, ids)
        body = _body(op.body_schema, ids)
        missing = await send(client, op, url, {}, body)
        assert missing.status_code == 401, op.label
        assert missing.headers["www-authenticate"] == "Bearer"
        # RFC 6750 §5.3: never from the query string.
        in_query = await send(client, op, f"{url}?access_token={token}", {}, body)
        assert in_query.status_code == 401, op.label
        basic = await send(client, op, url, {"authorization": "Basic YTpi"}, body)
        assert basic.status_code == 401, op.label


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://api.test/orders"},  # an access token for another API
        {"iss": "http://127.0.0.1:8000/t/elsewhere"},
        {"exp": 0},
        {"client_id": "unknown-client"},  # no grant for the management API
    ],
    ids=["foreign-audience", "foreign-issuer", "expired", "ungranted-client"],
)
async def test_ac01_tokens_that_do_not_fit_are_refused(
    client: httpx.AsyncClient, caller: Caller, claims: dict[str, Any]
) -> None:
    response = await client.get(f"{caller.base}/users", headers=caller.headers(**claims))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["errorCode"] == "invalid_token"


async def test_ac01_id_token_typ_and_unsigned_tokens_are_refused(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    from tier0.jose import sign_jwt

    key = caller.signing_key
    good = caller.token()
    header, payload, _ = good.split(".")
    as_id_token = sign_jwt(
        {
            "iss": caller.issuer,
            "aud": management_audience(caller.issuer),
            "exp": 2**40,
            "sub": caller.client_id,
            "client_id": caller.client_id,
            "iat": 0,
            "jti": "x",
            "scope": "read:users",
        },
        private_jwk=key.private_jwk,
        typ="JWT",
    )
    unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + payload + "."
    for token in (as_id_token, unsigned, f"{header}.{payload}.AAAA", "not-a-jwt"):
        response = await client.get(
            f"{caller.base}/users", headers={"authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401


async def test_ac01_a_deleted_grant_stops_a_live_token(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = caller.headers(["read:users"])
    assert (await client.get(f"{caller.base}/users", headers=headers)).status_code == 200
    audience = management_audience(caller.issuer)
    grant = await container.client_grants.find(caller.tenant, caller.client_id, audience)
    assert grant is not None
    await container.client_grants.update_scope(
        caller.tenant, grant.id, ["read:clients"], by=ChangedBy.cli()
    )
    narrowed = await client.get(f"{caller.base}/users", headers=headers)
    assert narrowed.status_code == 403
    await container.client_grants.delete(caller.tenant, grant.id, by=ChangedBy.cli())
    assert (await client.get(f"{caller.base}/users", headers=headers)).status_code == 401


async def test_ac01_token_expiry_follows_the_clock(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = caller.headers(["read:users"])
    assert (await client.get(f"{caller.base}/users", headers=headers)).status_code == 200
    later(container, 600 + 61)  # past exp plus the 60 s verification leeway
    assert (await client.get(f"{caller.base}/users", headers=headers)).status_code == 401


async def test_ac02_a_token_of_another_tenant_gets_401_on_every_operation(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    other = await make_caller(container, unique("other"))
    ids = await _objects(container, caller)
    foreign = await other.issued_headers(client)
    for op in await _ops(client, caller):
        url = op.url(caller.base, ids)
        response = await send(client, op, url, foreign, _body(op.body_schema, ids))
        assert response.status_code == 401, op.label
    # Even with the victim tenant's issuer written into it, the other tenant's key and
    # grant do not make it a token of this tenant.
    forged = other.headers(iss=caller.issuer, aud=management_audience(caller.issuer))
    assert (await client.get(f"{caller.base}/users", headers=forged)).status_code == 401


async def test_ac02_ids_of_another_tenant_are_404_on_every_operation(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    other = await make_caller(container, unique("other"))
    foreign_ids = await _objects(container, other)
    mine = await _objects(container, caller)
    headers = await caller.issued_headers(client)
    checked = 0
    for op in await _ops(client, caller):
        if "{" not in op.path:
            continue
        # Bodies name this tenant's objects; only the path points into the other tenant.
        url = op.url(caller.base, foreign_ids)
        response = await send(client, op, url, headers, _body(op.body_schema, mine))
        assert response.status_code == 404, f"{op.label}: {response.status_code}"
        assert response.headers["content-type"] == "application/problem+json"
        checked += 1
    assert checked >= 15
    # Nothing of the other tenant changed or disappeared.
    assert await container.users.get(other.tenant, foreign_ids["user_id"])
    assert await container.roles.get(other.tenant, foreign_ids["role_id"])
    assert await container.client_grants.get(other.tenant, foreign_ids["grant_id"])


async def test_ac02_lists_show_only_the_tenants_own_objects(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    other = await make_caller(container, unique("other"))
    theirs = await _objects(container, other)
    mine = await _objects(container, caller)
    headers = caller.headers()
    users = (await client.get(f"{caller.base}/users", headers=headers)).json()
    assert [u["user_id"] for u in users] == [mine["user_id"]]
    clients = (await client.get(f"{caller.base}/clients", headers=headers)).json()
    assert theirs["client_id"] not in {c["client_id"] for c in clients}
    grants = (await client.get(f"{caller.base}/client-grants", headers=headers)).json()
    assert theirs["grant_id"] not in {g["id"] for g in grants}
    roles = (await client.get(f"{caller.base}/roles", headers=headers)).json()
    assert [r["id"] for r in roles] == [mine["role_id"]]


async def test_every_error_response_is_documented_as_problem_json(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    doc = (await client.get(f"{caller.base}/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    assert doc["servers"] == [{"url": f"{caller.issuer}/api/v2"}]
    scheme = doc["components"]["securitySchemes"]["managementToken"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == f"{caller.issuer}/oauth/token"
    for item in doc["paths"].values():
        for op in item.values():
            statuses = set(op["responses"])
            assert {"401", "403", "500"} <= statuses
            for status in statuses - {"200", "201", "204"}:
                content = op["responses"][status]["content"]
                assert "application/problem+json" in content


async def test_ac01_client_credentials_tokens_from_the_token_endpoint_get_only_their_grant(
    client: httpx.AsyncClient, container: Container
) -> None:
    robot = await make_caller(container, unique("cc"), scopes=["read:users"])
    headers = await robot.issued_headers(client)
    assert (await client.get(f"{robot.base}/users", headers=headers)).status_code == 200
    refused = await client.get(f"{robot.base}/clients", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Insufficient scope, expected any of: read:clients"
    scope_refused = await client.post(
        f"/t/{robot.tenant.name}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "scope": "read:clients",
            "audience": management_audience(robot.issuer),
        },
        auth=(robot.client_id, robot.client_secret),
    )
    assert scope_refused.status_code == 400
