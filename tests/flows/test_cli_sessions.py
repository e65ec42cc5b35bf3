"""`tier0 session ...`: the CLI lists and ends a user's sessions and refresh-token families
through the same service as the management API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.flows.management.harness import signed_in
from tier0.audit.changes import ChangedBy
from tier0.cli.main import app
from tier0.container import Container
from tier0.domain import AppType
from tier0.services.applications import ApplicationSpec
from tier0.services.users import UserSpec
from tier0.settings import Settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def _signed_in_twice(data_dir: Path) -> tuple[str, list[tuple[str, str]]]:
    """A tenant ``acme`` whose user has two sessions, each with a refresh-token family."""

    async def work() -> tuple[str, list[tuple[str, str]]]:
        container = Container.build(Settings(data_dir=data_dir))
        try:
            await container.migrate()
            tenant = await container.tenants.create("acme", by=ChangedBy.cli())
            user = await container.users.create(
                tenant, UserSpec(email="ada@example.com"), by=ChangedBy.cli()
            )
            spec = ApplicationSpec(
                name="spa", app_type=AppType.SPA, callbacks=("https://a.test/cb",)
            )
            client = (
                await container.applications.create(tenant, spec, by=ChangedBy.cli())
            ).application.client_id
            ids = [await signed_in(container, tenant, user.user_id, client) for _ in range(2)]
            return user.user_id, ids
        finally:
            await container.close()

    return asyncio.run(work())


def _listed(cli: CliRunner, *args: str) -> list[dict[str, object]]:
    result = cli.invoke(app, [*args, "-t", "acme", "--json"])
    assert result.exit_code == 0, result.stderr
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def test_session_commands_share_the_management_service(cli: CliRunner, tmp_path: Path) -> None:
    user_id, ids = _signed_in_twice(tmp_path / "data")
    (first_sid, first_family), (second_sid, _) = ids
    sessions = _listed(cli, "session", "list", "--user", user_id)
    assert sorted(str(s["id"]) for s in sessions) == sorted([first_sid, second_sid])
    tokens = _listed(cli, "session", "tokens", "--user", user_id)
    assert len(tokens) == 2
    # Ending one session revokes the family issued from it too.
    assert cli.invoke(app, ["session", "revoke", first_sid, "-t", "acme"]).exit_code == 0
    assert [s["id"] for s in _listed(cli, "session", "list", "--user", user_id)] == [second_sid]
    remaining = _listed(cli, "session", "tokens", "--user", user_id)
    assert first_family not in {t["id"] for t in remaining} and len(remaining) == 1
    revoked = cli.invoke(app, ["session", "revoke-token", str(remaining[0]["id"]), "-t", "acme"])
    assert revoked.exit_code == 0
    assert _listed(cli, "session", "tokens", "--user", user_id) == []
    ended = cli.invoke(app, ["session", "revoke", "--all", "--user", user_id, "-t", "acme"])
    assert ended.exit_code == 0 and "sessions_ended: 1" in ended.stdout
    missing = cli.invoke(app, ["session", "revoke", first_sid, "-t", "acme"])
    assert missing.exit_code == 2 and "no such session" in missing.stderr
    log = cli.invoke(app, ["log", "search", "-t", "acme", "--json"])
    assert "management.sessions.deleted" in log.stdout
