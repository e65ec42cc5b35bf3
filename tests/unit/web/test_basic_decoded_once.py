"""Basic client credentials are decoded once per request (issue #5, the rate-limit overhead).

The rate-limit edge decodes them with the protocol's decoder to key the client's limits
(AV-01) and leaves them in the request's state; the token, revocation and introspection
routes take them from there instead of decoding the header again. These tests hold the
hand-over to its terms: only credentials decoded from the very header the route reads are
used, a header the edge could not decode is decoded (and refused) by the endpoint itself,
and the secret stays out of every repr.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.protocol.client_authentication import BasicCredentials, decode_basic
from tier0.settings import Settings
from tier0.web.app import create_app
from tier0.web.rate_limit import BASIC_CREDENTIALS, RateLimitMiddleware, client_authorization

SECRET = "canary-secret-3f9a1c"


def _basic(client_id: str, secret: str = SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _scope(path: str, authorization: str | None) -> dict[str, Any]:
    headers = [(b"host", b"tier0.test")]
    if authorization is not None:
        headers.append((b"authorization", authorization.encode("latin-1")))
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": headers,
        "client": ("198.51.100.1", 40000),
    }


async def _edge_state(tmp_path: Path, path: str, authorization: str | None) -> dict[str, Any]:
    """The request state the real edge (limits on) hands to the app for one request."""
    container = Container.build(Settings(data_dir=tmp_path / "data"), clock=FrozenClock())
    await container.migrate()
    seen: dict[str, Any] = {}

    async def app(scope: Scope, _receive: Receive, _send: Send) -> None:
        seen.update(scope["state"])

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Any) -> None:
        return None

    try:
        protection = container.protection
        edge = RateLimitMiddleware(app, limiter=protection.rate_limiter, proxies=protection.proxies)
        await edge(_scope(path, authorization), receive, send)
    finally:
        await container.close()
    return seen


async def test_edge_leaves_decoded_basic_credentials_for_the_token_route(tmp_path: Path) -> None:
    header = _basic("app-1")
    state = await _edge_state(tmp_path, "/t/acme/oauth/token", header)
    held = state[BASIC_CREDENTIALS]
    assert isinstance(held, BasicCredentials)
    assert (held.client_id, held.secret, held.header) == ("app-1", SECRET, header)
    assert SECRET not in repr(state)
    assert SECRET not in repr(held) and header not in repr(held)


async def test_edge_holds_nothing_it_could_not_decode(tmp_path: Path) -> None:
    for header in ("Basic !!!not-base64", "Bearer abc", _basic("app-1", "")):
        state = await _edge_state(tmp_path, "/t/acme/oauth/token", header)
        assert BASIC_CREDENTIALS not in state, header


async def test_edge_decodes_basic_only_where_clients_authenticate(tmp_path: Path) -> None:
    state = await _edge_state(tmp_path, "/t/acme/userinfo", _basic("app-1"))
    assert BASIC_CREDENTIALS not in state


def _request(authorization: str | None, held: object) -> Request:
    scope = _scope("/t/acme/oauth/token", authorization)
    scope["state"] = {} if held is None else {BASIC_CREDENTIALS: held}
    return Request(scope)


def test_route_takes_held_credentials_only_for_the_header_they_came_from() -> None:
    header = _basic("app-1")
    held = decode_basic(header)
    assert held is not None
    assert client_authorization(_request(header, held)) is held
    # Another header than the one decoded (never so inside tier0's own stack): the
    # route goes by the header it reads, never by what was left in the state.
    other = _basic("app-2")
    assert client_authorization(_request(other, held)) == other
    assert client_authorization(_request(None, held)) is None
    assert client_authorization(_request(header, None)) == header
    assert client_authorization(_request(header, "not credentials")) == header


async def test_token_endpoint_answers_malformed_basic_with_invalid_client(tmp_path: Path) -> None:
    """The edge lets a header it cannot decode through; the endpoint refuses it (OA-09)."""
    container = Container.build(Settings(data_dir=tmp_path / "data"), clock=FrozenClock())
    await container.migrate()
    await container.tenants.create("acme", by=ChangedBy.cli())
    transport = httpx.ASGITransport(app=create_app(container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://tier0.test") as http:
            for header in ("Basic !!!not-base64", _basic("app-1", "")):
                answer = await http.post(
                    "/t/acme/oauth/token",
                    data={"grant_type": "client_credentials"},
                    headers={"authorization": header},
                )
                assert answer.status_code == 401, header
                assert answer.json()["error"] == "invalid_client"
    finally:
        await container.close()
