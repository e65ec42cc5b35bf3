"""`signing_alg` of an API in a `tier0 apply` file reaches the access tokens the API gets
(JW-01): the file's field, not the RS256 default, names the JWS algorithm in their header."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import jwt
import pytest
from typer.testing import CliRunner

from tier0.cli.main import app
from tier0.container import Container
from tier0.settings import Settings
from tier0.web.app import create_app

API = "https://api.beta.test/orders"
SECRET = "s" * 40


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("TIER0_DATA_DIR", str(data))
    monkeypatch.setenv("TIER0_BCRYPT_COST", "10")
    return data


def _apply(tmp_path: Path, alg: str) -> None:
    doc = {
        "tenants": [
            {
                "name": "beta",
                "apis": [
                    {
                        "name": "Orders",
                        "identifier": API,
                        "signing_alg": alg,
                        "scopes": ["read:orders"],
                    }
                ],
                "applications": [
                    {
                        "name": "worker",
                        "type": "m2m",
                        "client_secret": SECRET,
                        "grants": [{"api": API, "scopes": ["read:orders"]}],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(app, ["apply", str(path)])
    assert result.exit_code == 0, result.stderr


def _access_token_header(data_dir: Path) -> dict[str, object]:
    """A client-credentials token for the applied API, through the real app."""

    async def work() -> dict[str, object]:
        container = Container.build(Settings(data_dir=data_dir, bcrypt_cost=10))
        try:
            tenant = await container.tenants.get("beta")
            worker = await container.applications.find_by_name(tenant, "worker")
            assert worker is not None
            transport = httpx.ASGITransport(app=create_app(container))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000"
            ) as http:
                response = await http.post(
                    "/t/beta/oauth/token",
                    data={"grant_type": "client_credentials", "audience": API},
                    auth=(worker.client_id, SECRET),
                )
            assert response.status_code == 200, response.text
            token: str = response.json()["access_token"]
            assert jwt.decode(token, options={"verify_signature": False})["aud"] == API
            header: dict[str, object] = jwt.get_unverified_header(token)
            return header
        finally:
            await container.close()

    return asyncio.run(work())


@pytest.mark.parametrize("alg", ["ES256", "PS256"])
def test_jw01_applied_api_signing_alg_signs_its_access_tokens(
    data_dir: Path, tmp_path: Path, alg: str
) -> None:
    _apply(tmp_path, alg)
    assert _access_token_header(data_dir)["alg"] == alg
