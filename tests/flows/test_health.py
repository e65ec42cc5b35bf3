"""Health probes over HTTP, and the error surface for unknown routes."""

from __future__ import annotations

from pathlib import Path

import httpx

from tier0.container import Container
from tier0.settings import Settings
from tier0.web.app import create_app


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    live = await client.get("/healthz")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    assert live.headers["x-content-type-options"] == "nosniff"
    assert len(live.headers["x-request-id"]) >= 16


async def test_request_id_is_echoed_only_when_well_formed(client: httpx.AsyncClient) -> None:
    ok = await client.get("/healthz", headers={"x-request-id": "abcDEF12-34"})
    assert ok.headers["x-request-id"] == "abcDEF12-34"
    forged = await client.get("/healthz", headers={"x-request-id": "x\r\ninjected: 1"})
    assert forged.headers["x-request-id"] != "x\r\ninjected: 1"


async def test_readyz_503_when_database_unreachable(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none",
    )
    container = Container.build(settings)
    app = create_app(container, close_container=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as http:
        response = await http.get("/readyz")
    await container.close()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "Traceback" not in response.text


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["statusCode"] == 404 and body["errorCode"]
