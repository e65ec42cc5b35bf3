"""The built-in management API resource server: created with each tenant, ensured for older
tenants at start-up and by `tier0 migrate`, listed by `tier0 api list`, read-only."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import unique
from tests.flows.management.harness import Caller
from tier0.audit.changes import ChangedBy
from tier0.cli.main import app as cli_app
from tier0.container import Container
from tier0.management.scopes import MANAGEMENT_SCOPES, management_audience
from tier0.services.resource_servers import ApiSpec


async def test_a_new_tenant_gets_its_management_api(container: Container) -> None:
    tenant = await container.tenants.create(unique("prov"), by=ChangedBy.cli())
    identifier = management_audience(container.settings.tenant_base_url(tenant.name))
    api = await container.apis.find_by_identifier(tenant, identifier)
    assert api is not None and api.is_system
    assert identifier.endswith(f"/t/{tenant.name}/api/v2/")
    assert {"read:users", "create:clients", "read:signing_keys", "update:tenant_settings"} <= {
        s.value for s in api.scopes
    }


async def test_ensure_all_is_idempotent_and_restores_the_scope_list(
    container: Container,
) -> None:
    tenant = await container.tenants.create(unique("prov"), by=ChangedBy.cli())
    assert await container.management_api.ensure_all(container.db) == 0
    api = (await container.apis.list(tenant))[0]
    async with container.db.transaction() as uow:  # an older release's shorter scope list
        from dataclasses import replace

        await uow.resource_servers.update(replace(api, scopes=api.scopes[:2]))
    assert await container.management_api.ensure_all(container.db) == 1
    assert (await container.apis.get(tenant, api.id)).scopes == MANAGEMENT_SCOPES
    assert len(await container.apis.list(tenant)) == 1


async def test_the_system_api_cannot_be_changed_or_deleted(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    headers = caller.headers()
    apis = (await client.get(f"{caller.base}/resource-servers", headers=headers)).json()
    system = next(a for a in apis if a["is_system"])
    url = f"{caller.base}/resource-servers/{system['id']}"
    changed = await client.patch(url, headers=headers, json={"token_lifetime": 86400})
    assert changed.status_code == 400
    assert (await client.delete(url, headers=headers)).status_code == 400
    with pytest.raises(Exception, match="system APIs"):
        await container.apis.update(
            caller.tenant,
            system["id"],
            ApiSpec(name="x", identifier=system["identifier"]),
            by=ChangedBy.cli(),
        )


def test_cli_api_list_shows_the_management_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert runner.invoke(cli_app, ["tenant", "create", "acme"]).exit_code == 0
    listed = runner.invoke(cli_app, ["api", "list", "-t", "acme", "--json"])
    assert listed.exit_code == 0
    apis = json.loads(listed.stdout)
    assert [a["identifier"] for a in apis] == ["http://127.0.0.1:8000/t/acme/api/v2/"]
    assert apis[0]["is_system"] is True
    migrated = runner.invoke(cli_app, ["migrate"])
    assert migrated.exit_code == 0
    again = json.loads(runner.invoke(cli_app, ["api", "list", "-t", "acme", "--json"]).stdout)
    assert len(again) == 1
