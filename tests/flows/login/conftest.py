"""Fixtures for universal-login flows: a tenant, a web application, a user, a browser."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Application, AppType, Tenant
from tier0.protocol.checks.pkce import s256_challenge
from tier0.services.applications import ApplicationSpec
from tier0.services.users import UserSpec
from tier0.settings import Settings
from tier0.web.app import create_app

CALLBACK = "https://app.example.com/callback"
LOGOUT_URL = "https://app.example.com/signed-out"
PASSWORD = "correct horse battery staple"
VERIFIER = "v" * 43 + "erifier-of-the-test-0123456789"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass
class World:
    """One tenant with an application and a user, and a browser (httpx client)."""

    container: Container
    client: httpx.AsyncClient
    tenant: Tenant
    app: Application
    email: str
    clock: FrozenClock
    secret: str = field(default="", repr=False)

    @property
    def base(self) -> str:
        return f"/t/{self.tenant.name}"

    def authorize_params(self, **overrides: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "client_id": self.app.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid profile email",
            "state": "state-123",
            "nonce": "nonce-456",
            "code_challenge": s256_challenge(VERIFIER),
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    async def authorize(self, **overrides: str | None) -> httpx.Response:
        return await self.client.get(
            f"{self.base}/authorize", params=self.authorize_params(**overrides)
        )

    async def sign_in(
        self, page: httpx.Response, *, email: str | None = None, password: str = PASSWORD
    ) -> httpx.Response:
        fields = hidden_fields(page.text)
        fields["email"] = self.email if email is None else email
        fields["password"] = password
        return await self.client.post(f"{self.base}/login", data=fields)

    async def full_login(self, **overrides: str | None) -> httpx.Response:
        page = await self.authorize(**overrides)
        assert page.status_code == 200, page.text
        return await self.sign_in(page)

    async def redeem(self, code: str, **extra: str) -> httpx.Response:
        """POST the code to the token endpoint as the web application."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": VERIFIER,
            **extra,
        }
        return await self.client.post(
            f"{self.base}/oauth/token", data=form, auth=(self.app.client_id, self.secret)
        )

    async def signed_in_tokens(self, scope: str) -> dict[str, Any]:
        """Sign in with ``scope`` and redeem the code: the token response's body."""
        redirect = await self.full_login(scope=scope)
        assert redirect.status_code in (302, 303), redirect.text
        response = await self.redeem(query_of(redirect)["code"])
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def session_cookie(self) -> str | None:
        name = self.container.cookies.session_name(self.tenant.name)
        return self.client.cookies.get(name)


def hidden_fields(text: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(text)}


def query_of(response: httpx.Response) -> dict[str, str]:
    """The parameters of a redirect's Location (each sent once)."""
    location = response.headers["location"]
    parsed = parse_qs(urlsplit(location).query, keep_blank_values=True)
    assert all(len(values) == 1 for values in parsed.values())
    return {name: values[0] for name, values in parsed.items()}


async def make_world(
    container: Container, client: httpx.AsyncClient, clock: FrozenClock, *, app_name: str = "Web"
) -> World:
    tenant = await container.tenants.create(unique("login"), by=ChangedBy.cli())
    created = await container.applications.create(
        tenant,
        ApplicationSpec(
            app_name,
            AppType.REGULAR_WEB,
            callbacks=(CALLBACK, "https://app.example.com/cb?x=1"),
            allowed_logout_urls=(LOGOUT_URL,),
        ),
        by=ChangedBy.cli(),
    )
    email = f"{unique('user')}@example.com"
    await container.users.create(
        tenant, UserSpec(email=email, password=PASSWORD), by=ChangedBy.cli()
    )
    return World(
        container, client, tenant, created.application, email, clock, created.client_secret or ""
    )


@pytest.fixture
async def world(container: Container, client: httpx.AsyncClient, clock: FrozenClock) -> World:
    return await make_world(container, client, clock)


@pytest.fixture
async def https_world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[World]:
    """The same, with an https public URL (``__Host-`` cookies, Secure)."""
    settings = Settings(
        data_dir=tmp_path / "https",
        public_url="https://login.example.com",
        bcrypt_cost=10,
        hash_workers=2,
    )
    container = Container.build(settings, clock=clock)
    await container.migrate()
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(
        transport=transport, base_url="https://login.example.com"
    ) as client:
        yield await make_world(container, client, clock)
    await container.close()
