"""Edge limits (AV-02): body, URL, header and JSON-shape caps answered before any handler."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tier0.web.request_limits import RequestLimits, RequestLimitsMiddleware, json_within_limits

LIMITS = RequestLimits(
    max_body=64 * 1024,
    max_import_body=1024 * 1024,
    max_url=8 * 1024,
    max_headers=16 * 1024,
    json_depth=32,
    json_items=1000,
    body_timeout=5.0,
    body_total_timeout=30.0,
)


@pytest.fixture
async def echo() -> AsyncIterator[tuple[httpx.AsyncClient, list[int]]]:
    """An app that records the size of every body a handler got to read."""
    seen: list[int] = []

    async def handler(request: Request) -> JSONResponse:
        body = await request.body()
        seen.append(len(body))
        return JSONResponse({"size": len(body)})

    app = FastAPI(
        routes=[
            Route("/t/acme/api/v2/users", handler, methods=["POST"]),
            Route("/t/acme/api/v2/jobs/users-imports", handler, methods=["POST"]),
        ]
    )
    app.add_middleware(RequestLimitsMiddleware, limits=LIMITS)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, seen


USERS = "/t/acme/api/v2/users"


async def test_av02_ten_megabyte_post_gets_413_without_reaching_the_handler(
    echo: tuple[httpx.AsyncClient, list[int]],
) -> None:
    client, seen = echo
    resp = await client.post(USERS, content=b"x" * (10 * 1024 * 1024))
    assert resp.status_code == 413 and seen == []
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_av02_streamed_body_without_length_is_counted(
    echo: tuple[httpx.AsyncClient, list[int]],
) -> None:
    client, seen = echo

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"y" * 4096

    resp = await client.post(USERS, content=chunks())
    assert resp.status_code == 413 and seen == []


async def test_av02_body_within_the_cap_reaches_the_handler_intact(
    echo: tuple[httpx.AsyncClient, list[int]],
) -> None:
    client, seen = echo
    body = json.dumps({"name": "a" * 60_000}).encode()
    resp = await client.post(USERS, content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 200 and resp.json() == {"size": len(body)} and seen == [len(body)]


async def test_av02_import_endpoint_takes_a_larger_body(
    echo: tuple[httpx.AsyncClient, list[int]],
) -> None:
    client, _ = echo
    path = "/t/acme/api/v2/jobs/users-imports"
    ok = await client.post(path, content=b"z" * (512 * 1024))
    assert ok.status_code == 200 and ok.json() == {"size": 512 * 1024}
    too_big = await client.post(path, content=b"z" * (2 * 1024 * 1024))
    assert too_big.status_code == 413


async def test_av02_deep_json_gets_400(echo: tuple[httpx.AsyncClient, list[int]]) -> None:
    client, seen = echo
    deep = b"[" * 10_000 + b"]" * 10_000
    resp = await client.post(USERS, content=deep, headers={"content-type": "application/json"})
    assert resp.status_code == 400 and seen == []


async def test_av02_huge_json_array_gets_400(echo: tuple[httpx.AsyncClient, list[int]]) -> None:
    client, seen = echo
    wide = json.dumps(list(range(5000))).encode()
    resp = await client.post(USERS, content=wide, headers={"content-type": "application/json"})
    assert resp.status_code == 400 and seen == []


async def test_av02_long_url_gets_414(echo: tuple[httpx.AsyncClient, list[int]]) -> None:
    client, seen = echo
    resp = await client.post(USERS + "?q=" + "a" * 9000)
    assert resp.status_code == 414 and seen == []


async def test_av02_oversized_headers_get_431(echo: tuple[httpx.AsyncClient, list[int]]) -> None:
    client, seen = echo
    headers = {f"x-h{i}": "v" * 1000 for i in range(20)}
    resp = await client.post(USERS, headers=headers)
    assert resp.status_code == 431 and seen == []


async def test_av02_limits_hold_on_the_full_app(client: httpx.AsyncClient) -> None:
    resp = await client.post("/t/default/oauth/token", content=b"x" * (1024 * 1024))
    assert resp.status_code == 413
    assert resp.headers["x-frame-options"] == "DENY"


def test_json_scan_ignores_brackets_and_commas_inside_strings() -> None:
    text = json.dumps({"a": "[[[[,,,,]]]]" * 100, "b": ['\\"[', "x"]}).encode()
    assert json_within_limits(text, max_depth=3, max_items=10)


@given(st.recursive(st.integers() | st.text(), lambda c: st.lists(c, max_size=4), max_leaves=30))
def test_json_scan_depth_matches_the_parsed_depth(value: object) -> None:
    def depth(v: object) -> int:
        return 1 + max((depth(x) for x in v), default=0) if isinstance(v, list) else 0

    text = json.dumps(value).encode()
    d = depth(value)
    assert json_within_limits(text, max_depth=max(d, 1), max_items=100)
    if d >= 2:
        assert not json_within_limits(text, max_depth=d - 1, max_items=100)
