"""`tier0 protection show|set`, `tier0 user unblock` and `tier0 ip unblock`: the CLI side of
the attack-protection service, on the database and the shared (Redis) counters."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REDIS_URL, skip_or_fail, unique
from tier0.audit.changes import ChangedBy
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.cli.main import app
from tier0.container import Container
from tier0.protection.documents import SuspiciousIpThrottlingUpdate
from tier0.settings import Settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIER0_BCRYPT_COST", "10")
    return CliRunner()


def call(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_protection_set_and_show_persist_and_are_audited(cli: CliRunner) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, out, _ = call(cli, "protection", "show", "brute-force-protection", "-t", "acme", "--json")
    assert code == 0 and json.loads(out)["max_attempts"] == 10
    code, out, _ = call(
        cli, "protection", "set", "brute-force-protection", '{"max_attempts": 4}', "-t", "acme",
        "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["max_attempts"] == 4
    code, out, _ = call(cli, "protection", "show", "-t", "acme", "--json")
    shown = json.loads(out)
    assert shown["brute-force-protection"]["max_attempts"] == 4
    assert shown["rate-limits"]["limits"]["token"]["client"] == "30/second"
    code, out, _ = call(cli, "log", "search", "-t", "acme", "--json")
    assert EventType.MANAGEMENT_ATTACK_PROTECTION_UPDATED.value in out


@pytest.mark.parametrize(
    "args",
    [
        ("brute-force-protection", '{"max_attempts": 500}'),
        ("brute-force-protection", "not json"),
        ("nonsense", "{}"),
        ("rate-limits", '{"limits": {"token": {"ip": "often"}}}'),
    ],
)
def test_protection_set_refuses_bad_input_with_exit_2(
    cli: CliRunner, args: tuple[str, str]
) -> None:
    call(cli, "tenant", "create", "acme")
    code, _, err = call(cli, "protection", "set", *args, "-t", "acme")
    assert code == 2 and err.startswith("error: ")
    # One line, as every CLI error: not pydantic's multi-line report with its docs link.
    assert len(err.strip().splitlines()) == 1, err
    assert "pydantic.dev" not in err


def test_ip_unblock_needs_shared_counters_in_embedded_mode(cli: CliRunner) -> None:
    call(cli, "tenant", "create", "acme")
    code, _, err = call(cli, "ip", "unblock", "192.0.2.1", "-t", "acme")
    assert code == 2 and "embedded mode" in err


@pytest.mark.redis
def test_bf01_cli_lifts_blocks_held_in_redis(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not REDIS_URL:
        skip_or_fail("TIER0_TEST_REDIS_URL is not set")
    assert REDIS_URL is not None
    monkeypatch.setenv("TIER0_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("TIER0_COUNTER_KEY_SECRET", "cli-protection-test-secret-0123456789")
    tenant = unique("cli")
    email = f"{unique('u')}@example.com"
    ip = "198.51.100.23"
    call(cli, "tenant", "create", tenant)
    code, out, _ = call(cli, "user", "create", "-t", tenant, "--email", email, "--json")
    user_id = json.loads(out)["user_id"]

    async def block() -> None:
        c = Container.build(Settings())
        try:
            t = await c.tenants.get(tenant)
            for _ in range(10):
                await c.protection.brute_force.record_failure(tenant, email, ip)
            one = SuspiciousIpThrottlingUpdate.model_validate(
                {"stage": {"pre-login": {"max_attempts": 1}}}
            )
            await c.protection_policies.update(
                t, "suspicious-ip-throttling", one, by=ChangedBy.cli()
            )
            await c.protection.suspicious_ip.record_login_failure(tenant, ip, email)
            assert [b.ip for b in await c.protection_blocks.user_blocks(t, user_id)] == [ip]
        finally:
            await c.close()

    async def state() -> tuple[int, bool, list[EventType]]:
        c = Container.build(Settings())
        try:
            t = await c.tenants.get(tenant)
            blocks = await c.protection_blocks.user_blocks(t, user_id)
            throttled = await c.protection_blocks.ip_throttled(t, ip)
            found = await c.audit.search(EventQuery(tenant_id=t.id, limit=50))
            return len(blocks), throttled, [e.event.type for e in found]
        finally:
            await c.close()

    asyncio.run(block())
    assert call(cli, "user", "unblock", user_id, "-t", tenant)[0] == 0
    assert call(cli, "ip", "unblock", ip, "-t", tenant)[0] == 0
    blocks, throttled, kinds = asyncio.run(state())
    assert blocks == 0 and not throttled
    assert EventType.BRUTE_FORCE_UNBLOCKED in kinds
    assert EventType.MANAGEMENT_BLOCKS_DELETED in kinds
    code, _, err = call(cli, "ip", "unblock", ip, "-t", tenant)
    assert code == 2 and "not blocked" in err
