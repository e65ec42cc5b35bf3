"""AV-01 / BF-02 at the edge: what the middleware remembers between requests changes no answer.

The middleware keeps per-path classifications and per-peer client addresses in bounded
memos, and builds its headers once per decision; these tests pin the answers those shortcuts
must keep giving."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

from tests.flows.test_rate_limit_flows import serve
from tier0.audit.prometheus import Metrics
from tier0.protection.rate_limits import EndpointClass
from tier0.settings import Settings
from tier0.web import rate_limit_routes as rate_limit
from tier0.web.edge import EdgeMiddleware
from tier0.web.rate_limit import RATE_LIMIT_HEADERS
from tier0.web.request_limits import RequestLimits


def _basic(client: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client}:not-checked-here".encode()).decode()
    return {"Authorization": f"basic {raw}"}  # the scheme is case-insensitive (RFC 9110)


async def test_av01_a_handlers_own_429_headers_win_over_the_edges(tmp_path: Path) -> None:
    """The edge counts IP and tenant and would say 60/minute; the handler refuses the user
    scope (2/minute): the response describes the refusing limit."""
    overrides = {"a": {"login": {"user": "2/minute"}}}
    async with serve(tmp_path, rate_limit_overrides=overrides) as http:
        ok = await http.post("/t/a/u/login?user=dana")
        await http.post("/t/a/u/login?user=dana")
        refused = await http.post("/t/a/u/login?user=dana")
    assert ok.headers["X-RateLimit-Limit"] == "60"  # the edge's tightest limit
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(refused.headers.get_list("X-RateLimit-Limit")) == 1


async def test_av01_form_encoded_basic_client_id_shares_the_decoded_budget(
    tmp_path: Path,
) -> None:
    """RFC 6749 §2.3.1 form-encodes the client id: `app%2D1` and `app-1` are one client."""
    overrides = {"a": {"token": {"client": "2/minute"}}}
    async with serve(tmp_path, rate_limit_overrides=overrides) as http:
        plain = await http.post("/t/a/oauth/token", headers=_basic("app-1"))
        encoded = await http.post("/t/a/oauth/token", headers=_basic("app%2D1"))
        third = await http.post("/t/a/oauth/token", headers=_basic("app-1"))
    assert [plain.status_code == 429, encoded.status_code == 429] == [False, False]
    assert third.status_code == 429


async def test_bf02_remembered_addresses_follow_the_forwarding_header(tmp_path: Path) -> None:
    """One trusted proxy peer, changing `X-Forwarded-For`: each request gets its own client,
    however often the same peer was seen before."""
    async with serve(
        tmp_path, peer="10.0.0.5", trusted_proxies="10.0.0.0/8", rate_limit_overrides={}
    ) as http:
        seen = [
            (
                await http.post("/t/a/u/login", headers={"X-Forwarded-For": f"192.0.2.{i % 3}"})
            ).json()["ip"]
            for i in range(6)
        ]
        bare = (await http.post("/t/a/u/login")).json()["ip"]
    assert seen == ["192.0.2.0", "192.0.2.1", "192.0.2.2"] * 2
    assert bare == "10.0.0.5"


def test_av01_path_memo_is_bounded_and_agrees_with_the_routes() -> None:
    for i in range(rate_limit.MAX_MEMO + 10):
        assert rate_limit.classify("GET", f"/t/t{i}/nothing-limited") is None
    assert len(rate_limit._CLASSIFIED) <= rate_limit.MAX_MEMO
    assert rate_limit.classify("POST", "/t/acme/oauth/token") == ("acme", EndpointClass.TOKEN)
    assert rate_limit.classify("POST", "/t/acme/oauth/token") == ("acme", EndpointClass.TOKEN)
    assert rate_limit.classify("GET", "/t/acme/u/login") is None  # sign-in is limited on POST
    assert rate_limit.classify("POST", "/t/acme/u/login") == ("acme", EndpointClass.LOGIN)


async def test_av01_the_edge_appends_its_pairs_and_a_429_keeps_its_own(tmp_path: Path) -> None:
    """The edge adds the limiter's `X-RateLimit-*` pairs to every answer; only a refusal
    from inside the app (a 429, `RateLimited`) keeps its own values instead. Any other
    answer is not searched for them (the search cost every allowed response)."""
    pairs = [(b"x-ratelimit-limit", b"9"), (b"x-ratelimit-remaining", b"8")]

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"][RATE_LIMIT_HEADERS] = pairs
        status = int(scope["path"].rsplit("/", 1)[1])
        own = [(b"x-ratelimit-limit", b"2")] if status == 429 else []
        await send({"type": "http.response.start", "status": status, "headers": own})
        await send({"type": "http.response.body", "body": b"{}"})

    settings = Settings(data_dir=tmp_path / "data")

    async def no_origins(tenant: str) -> frozenset[str]:
        return frozenset()

    edge = EdgeMiddleware(
        inner,
        metrics=Metrics(),
        limits=RequestLimits.from_settings(settings),
        hsts=False,
        origins=no_origins,
    )
    transport = httpx.ASGITransport(app=edge)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        ok = await http.get("/status/200")
        refused = await http.get("/status/429")
    assert ok.headers.get_list("x-ratelimit-limit") == ["9"]
    assert ok.headers["x-ratelimit-remaining"] == "8"
    assert refused.headers.get_list("x-ratelimit-limit") == ["2"]  # its own value wins
    assert refused.headers["x-ratelimit-remaining"] == "8"  # the edge fills what it left out
