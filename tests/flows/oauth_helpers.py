"""Small builders for token-side flow tests: tenants, apps, APIs, users, codes, requests.

Authorization codes are inserted through the storage layer (as /authorize would create
them), so the token endpoint is tested on its own, over HTTP, on the real store.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.crypto.random import random_id
from tier0.domain import ApiScope, Application, AppType, AuthMethod, ResourceServer, Tenant, User
from tier0.domain.grants import AuthorizationCode, Grant
from tier0.protocol.checks.pkce import s256_challenge
from tier0.protocol.grants.family import CODE_PURPOSE
from tier0.services.applications import ApplicationSpec
from tier0.services.resource_servers import ApiSpec
from tier0.services.users import UserSpec

REDIRECT_URI = "https://app.example.com/callback"


@dataclass(frozen=True)
class Client:
    """A registered client and its secret (None for public clients)."""

    client_id: str
    secret: str | None = None

    def basic(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret}".encode()
        return {"authorization": "Basic " + base64.b64encode(raw).decode()}

    def post_auth(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.secret or ""}


@dataclass(frozen=True)
class World:
    """One tenant with an API, an M2M client, a web client, a SPA and a user."""

    container: Container
    tenant: Tenant
    api: ResourceServer
    m2m: Client
    web: Client
    spa: Client
    user: User

    @property
    def issuer(self) -> str:
        return self.container.settings.tenant_base_url(self.tenant.name)

    @property
    def path(self) -> str:
        return f"/t/{self.tenant.name}"


async def make_tenant(container: Container) -> Tenant:
    return await container.tenants.create(unique("tok"), by=ChangedBy.cli())


async def make_api(
    container: Container,
    tenant: Tenant,
    *,
    alg: str = "ES256",
    dialect: str = "rfc9068_profile",
    offline: bool = True,
) -> ResourceServer:
    scopes = tuple(ApiScope(v) for v in ("read:things", "write:things", "delete:things"))
    spec = ApiSpec(
        name=f"API {secrets.token_hex(3)}",
        identifier=f"https://api-{secrets.token_hex(4)}.example.com",
        scopes=scopes,
        signing_alg=alg,
        allow_offline_access=offline,
        token_dialect=dialect,
    )
    return await container.apis.create(tenant, spec, by=ChangedBy.cli())


async def make_client(
    container: Container,
    tenant: Tenant,
    app_type: AppType,
    *,
    method: AuthMethod | None = None,
    grant_types: tuple[str, ...] | None = None,
) -> Client:
    spec = ApplicationSpec(
        name=f"app {secrets.token_hex(4)}",
        app_type=app_type,
        callbacks=(REDIRECT_URI,) if app_type is not AppType.NON_INTERACTIVE else (),
        grant_types=grant_types,
        token_endpoint_auth_method=method,
    )
    created = await container.applications.create(tenant, spec, by=ChangedBy.cli())
    return Client(created.application.client_id, created.client_secret)


async def set_client_jwks(
    container: Container, tenant: Tenant, client_id: str, jwks: dict[str, Any]
) -> Application:
    """Register a private_key_jwt client's public keys (no service API sets them yet)."""
    async with container.db.transaction() as uow:
        app = await uow.applications.get(tenant.id, client_id)
        assert app is not None
        updated = replace(app, jwks=jwks, token_endpoint_auth_method=AuthMethod.PRIVATE_KEY_JWT)
        await uow.applications.update(updated)
    return updated


async def make_world(container: Container, *, alg: str = "ES256") -> World:
    tenant = await make_tenant(container)
    api = await make_api(container, tenant, alg=alg)
    m2m = await make_client(container, tenant, AppType.NON_INTERACTIVE)
    await container.client_grants.create(
        tenant, m2m.client_id, api.identifier, ["read:things"], by=ChangedBy.cli()
    )
    web = await make_client(container, tenant, AppType.REGULAR_WEB)
    spa = await make_client(container, tenant, AppType.SPA)
    user = await container.users.create(
        tenant,
        UserSpec(email=f"u{secrets.token_hex(4)}@example.com", name="Ada", email_verified=True),
        by=ChangedBy.cli(),
    )
    return World(container, tenant, api, m2m, web, spa, user)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    verifier: str
    grant_id: str


async def issue_code(
    world: World,
    client: Client,
    *,
    scope: tuple[str, ...] = ("openid", "profile", "email", "offline_access"),
    audience: str | None = None,
    nonce: str | None = "n-0S6_WzA2Mj",
    user: User | None = None,
    session_id: str | None = None,
) -> IssuedCode:
    """Create a Grant and an AuthorizationCode as /authorize would (keyed hash only)."""
    container, tenant = world.container, world.tenant
    now = container.clock.now()
    code = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)
    subject = user or world.user
    grant = Grant(
        tenant_id=tenant.id,
        id=random_id("grt_"),
        client_id=client.client_id,
        user_id=subject.user_id,
        scope=scope,
        audience=audience,
        session_id=session_id or "sid-" + secrets.token_hex(8),
        created_at=now,
    )
    key = await container.keyring.hash_key(tenant.id)
    stored = AuthorizationCode(
        tenant_id=tenant.id,
        code_hash=key.digest(code, purpose=CODE_PURPOSE),
        grant_id=grant.id,
        client_id=client.client_id,
        user_id=subject.user_id,
        redirect_uri=REDIRECT_URI,
        scope=scope,
        audience=audience,
        nonce=nonce,
        code_challenge=s256_challenge(verifier),
        code_challenge_method="S256",
        auth_time=now,
        amr=("pwd",),
        session_id=grant.session_id,
        created_at=now,
        expires_at=now + timedelta(seconds=60),
    )
    async with container.db.transaction() as uow:
        await uow.grants.add(grant)
        await uow.codes.add(stored)
    return IssuedCode(code, verifier, grant.id)


def code_form(issued: IssuedCode, client: Client, **extra: str) -> dict[str, str]:
    form = {
        "grant_type": "authorization_code",
        "code": issued.code,
        "code_verifier": issued.verifier,
        "redirect_uri": REDIRECT_URI,
        "client_id": client.client_id,
    }
    form.update(extra)
    return form


def refresh_form(token: str, client: Client, **extra: str) -> dict[str, str]:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": client.client_id}
    form.update(extra)
    return form


async def post_token(
    http: httpx.AsyncClient, world: World, form: dict[str, str], client: Client
) -> httpx.Response:
    """POST /oauth/token, with HTTP Basic for a confidential client."""
    headers = client.basic() if client.secret is not None else {}
    return await http.post(f"{world.path}/oauth/token", data=form, headers=headers)


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    """An RFC 6749 §5.2 error: status, code, description and no-store headers."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body.get("error_description"), str)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


async def introspect(
    http: httpx.AsyncClient, world: World, token: str, client: Client | None = None
) -> dict[str, Any]:
    caller = client or world.web
    response = await http.post(
        f"{world.path}/oauth/introspect", data={"token": token}, headers=caller.basic()
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
