"""AV-01 / BF-02 / AV-05 over HTTP: 429s in each surface's format, proxy trust, outages."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request
from typer.testing import CliRunner

from tests.flows.accounts.test_bf03_hash_work import counting
from tests.flows.login.conftest import PASSWORD, hidden_fields
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.cli.main import app as cli_app
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.protection.rate_limits import EndpointClass
from tier0.services.users import UserSpec
from tier0.settings import Settings
from tier0.web.app import create_app
from tier0.web.rate_limit import client_ip_of, enforce_rate_limit

SECRET = "counter-key-secret-for-tests-0123456789"
WRONG = "not the password"


@asynccontextmanager
async def serve(
    tmp_path: Path,
    peer: str = "198.51.100.1",
    container: Container | None = None,
    **settings: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app over its container, reached from socket address `peer`."""
    if container is None:
        container = Container.build(
            Settings(data_dir=tmp_path / "data", bcrypt_cost=10, hash_workers=1, **settings),
            clock=FrozenClock(),
        )
        await container.migrate()
    app = create_app(container)

    async def whoami(request: Request, tenant: str) -> dict[str, str]:
        user = request.query_params.get("user")
        await enforce_rate_limit(request, EndpointClass.LOGIN, tenant=tenant, user=user)
        return {"ip": client_ip_of(request)}

    app.add_api_route("/t/{tenant}/u/login", whoami, methods=["POST"])
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://tier0.test") as http:
            yield http
    finally:
        await container.close()


TOKEN_3 = {"a": {"token": {"ip": "3/minute"}}}


async def test_av01_flooded_tenant_gets_oauth_429_while_another_is_served(
    tmp_path: Path,
) -> None:
    async with serve(tmp_path, rate_limit_overrides=TOKEN_3) as http:
        statuses = [(await http.post("/t/a/oauth/token")).status_code for _ in range(3)]
        assert 429 not in statuses
        refused = await http.post("/t/a/oauth/token")
        assert refused.status_code == 429
        assert refused.json() == {
            "error": "too_many_requests",
            "error_description": "Too many requests. Retry after 60 seconds.",
        }
        assert refused.headers["retry-after"] == "60"
        assert refused.headers["x-ratelimit-limit"] == "3"
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.headers["cache-control"] == "no-store"
        assert refused.headers["x-request-id"]  # still inside the request-context middleware
        other = await http.post("/t/b/oauth/token")
        assert other.status_code != 429
        assert other.headers["x-ratelimit-limit"] == "600"  # tenant b keeps the defaults


async def test_av01_management_api_429_is_problem_json(tmp_path: Path) -> None:
    overrides = {"a": {"management": {"ip": "1/minute"}}}
    async with serve(tmp_path, rate_limit_overrides=overrides) as http:
        await http.get("/t/a/api/v2/users")
        refused = await http.get("/t/a/api/v2/users")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert (body["status"], body["errorCode"], body["error"]) == (
        429,
        "too_many_requests",
        "Too Many Requests",
    )
    assert refused.headers["retry-after"] == "60"


async def test_bf02_spoofed_rotating_xff_is_ignored_by_default(tmp_path: Path) -> None:
    async with serve(tmp_path, rate_limit_overrides=TOKEN_3) as http:
        codes = [
            (
                await http.post("/t/a/oauth/token", headers={"X-Forwarded-For": f"203.0.113.{i}"})
            ).status_code
            for i in range(5)
        ]
        seen = (await http.post("/t/a/u/login", headers={"X-Forwarded-For": "1.2.3.4"})).json()
    assert codes[3:] == [429, 429]
    assert seen == {"ip": "198.51.100.1"}


async def test_bf02_trusted_proxy_forwarding_header_separates_clients(tmp_path: Path) -> None:
    async with serve(
        tmp_path, peer="10.0.0.5", trusted_proxies="10.0.0.0/8", rate_limit_overrides=TOKEN_3
    ) as http:
        first = [
            (
                await http.post("/t/a/oauth/token", headers={"X-Forwarded-For": "203.0.113.1"})
            ).status_code
            for _ in range(4)
        ]
        second = await http.post(
            "/t/a/oauth/token", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.2"}
        )
        seen = await http.post("/t/a/u/login", headers={"X-Forwarded-For": "6.6.6.6, 192.0.2.7"})
    assert first[-1] == 429
    assert second.status_code != 429
    assert seen.json() == {"ip": "192.0.2.7"}


async def test_av01_basic_auth_client_id_has_its_own_budget(tmp_path: Path) -> None:
    overrides = {"a": {"token": {"client": "2/minute"}}}

    def basic(client: str) -> dict[str, str]:
        raw = base64.b64encode(f"{client}:not-checked-here".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    async with serve(tmp_path, rate_limit_overrides=overrides) as http:
        codes = [
            (await http.post("/t/a/oauth/token", headers=basic("app-1"))).status_code
            for _ in range(3)
        ]
        other = await http.post("/t/a/oauth/token", headers=basic("app-2"))
    assert codes[-1] == 429
    assert other.status_code != 429


async def test_av01_handler_counts_the_user_scope(tmp_path: Path) -> None:
    """The real sign-in POST counts Auth0's same-user limit per identifier (and IP): before
    any password hash, with case and spaces folded, and for an unknown address exactly as
    for a known one (BF-03); each refused identifier is one `user.login.rate_limited`."""
    settings = Settings(
        data_dir=tmp_path / "data",
        bcrypt_cost=10,
        hash_workers=1,
        rate_limit_overrides={"acme": {"login": {"user": "2/minute"}}},
    )
    container = Container.build(settings, clock=FrozenClock())
    await container.migrate()
    tenant = await container.tenants.create("acme", by=ChangedBy.cli())
    spec = UserSpec(email="dana@example.com", password=PASSWORD)
    await container.users.create(tenant, spec, by=ChangedBy.cli())
    async with serve(tmp_path, container=container) as http:

        async def sign_in(email: str, password: str = WRONG) -> httpx.Response:
            page = await http.get("/t/acme/login")
            fields = hidden_fields(page.text) | {"email": email, "password": password}
            return await http.post("/t/acme/login", data=fields)

        codes = [(await sign_in(" Dana@Example.com ")).status_code for _ in range(2)]
        codes += [(await sign_in("nobody@example.com")).status_code for _ in range(2)]
        with counting(container.hasher) as hashes:
            known = await sign_in("dana@example.com", PASSWORD)  # the right password
            unknown = await sign_in("nobody@example.com")
        other = await sign_in("erin@example.com")
        query = EventQuery(tenant_id=tenant.id, types=[EventType.USER_LOGIN_RATE_LIMITED])
        events = await container.audit.search(query)
    assert codes == [400] * 4
    assert hashes.calls == 0  # refused before any password hash
    assert known.status_code == unknown.status_code == 429
    assert known.text == unknown.text  # BF-03: the limit says nothing about the account
    assert known.headers["x-ratelimit-limit"] == "2"
    assert known.headers["retry-after"] == "60"
    assert known.headers["content-type"].startswith("text/html")
    assert other.status_code == 400
    assert len(events) == 2
    assert dict(events[0].event.details) == {
        "by": "rate_limit",
        "endpoint": "login",
        "scope": "user",
        "limit": 2,
    }
    assert events[0].event.ip == "198.51.100.1"


async def test_av01_rate_limits_can_be_switched_off(tmp_path: Path) -> None:
    async with serve(tmp_path, rate_limits_enabled=False, rate_limit_overrides=TOKEN_3) as http:
        codes = [(await http.post("/t/a/oauth/token")).status_code for _ in range(5)]
        seen = await http.post("/t/a/u/login")
    assert 429 not in codes
    assert seen.json() == {"ip": "198.51.100.1"}


async def test_av05_redis_down_over_http_still_limits_and_serves(
    tmp_path: Path, dead_redis_url: str
) -> None:
    async with serve(
        tmp_path,
        redis_url=dead_redis_url,
        counter_key_secret=SECRET,
        rate_limit_overrides=TOKEN_3,
    ) as http:
        codes = [(await http.post("/t/a/oauth/token")).status_code for _ in range(4)]
        health = await http.get("/health")
    assert codes[-1] == 429  # never fails open
    assert 429 not in codes[:3]
    assert health.status_code != 429


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"trusted_proxies": "10.0.0.0/33"}, "not an IP network"),
        ({"redis_url": "redis://127.0.0.1:6379/0"}, "counter_key_secret"),
        ({"counter_key_secret": "short"}, "at least 32"),
        ({"rate_limit_overrides": {"a": {"token": {"ip": "lots"}}}}, "token/ip"),
        ({"rate_limit_overrides": {"a": {"nope": {"ip": "1/second"}}}}, "nope"),
    ],
)
def test_bf02_av01_bad_protection_settings_stop_start_up(
    tmp_path: Path, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(data_dir=tmp_path, **settings)


def test_bf02_trusted_proxies_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIER0_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8")
    monkeypatch.setenv("TIER0_RATE_LIMIT_OVERRIDES", '{"a": {"jwks": {"ip": null}}}')
    settings = Settings(data_dir=tmp_path)
    assert settings.trusted_proxies == ("10.0.0.0/8", "fd00::/8")
    assert settings.rate_limit_overrides == {"a": {EndpointClass.JWKS: {"ip": None}}}


async def test_av01_refusals_are_one_security_event_per_limit_and_window(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        bcrypt_cost=10,
        hash_workers=1,
        rate_limit_overrides={"acme": {"token": {"ip": "1/minute"}}},
    )
    clock = FrozenClock()
    container = Container.build(settings, clock=clock)
    await container.migrate()
    tenant = await container.tenants.create("acme", by=ChangedBy.cli())
    async with serve(tmp_path, container=container) as http:
        codes = [(await http.post("/t/acme/oauth/token")).status_code for _ in range(30)]
        clock.advance(60)
        codes += [(await http.post("/t/acme/oauth/token")).status_code for _ in range(2)]
        query = EventQuery(tenant_id=tenant.id, types=[EventType.RATE_LIMIT_EXCEEDED])
        events = await container.audit.search(query)
    assert codes.count(429) == 30
    assert len(events) == 2  # one per window, not one per refused request
    first = events[0].event
    assert first.ip == "198.51.100.1"
    assert dict(first.details) == {"endpoint": "token", "scope": "ip", "limit": 1}


def test_av01_several_workers_refuse_in_process_counters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli_app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "needs TIER0_REDIS_URL" in result.stderr


async def test_bf02_same_user_limit_is_per_ip_and_user(tmp_path: Path) -> None:
    """The sign-in's same-user limit counts per (IP, identifier) (BF-02; Auth0: attempts
    "from one IP to one user"): an attacker elsewhere spending a user's attempts does not
    keep the user out."""
    settings = Settings(
        data_dir=tmp_path / "data",
        bcrypt_cost=10,
        hash_workers=1,
        trusted_proxies="10.0.0.0/8",
        rate_limit_overrides={"acme": {"login": {"user": "2/minute"}}},
    )
    container = Container.build(settings, clock=FrozenClock())
    await container.migrate()
    await container.tenants.create("acme", by=ChangedBy.cli())
    async with serve(tmp_path, peer="10.0.0.5", container=container) as http:

        async def sign_in(ip: str) -> int:
            headers = {"x-forwarded-for": ip}
            page = await http.get("/t/acme/login", headers=headers)
            fields = hidden_fields(page.text) | {"email": "dana@example.com", "password": WRONG}
            return (await http.post("/t/acme/login", data=fields, headers=headers)).status_code

        attacker = [await sign_in("203.0.113.9") for _ in range(3)]
        owner = await sign_in("192.0.2.44")
    assert attacker == [400, 400, 429]
    assert owner == 400  # refused for the wrong password, not by the attacker's count
