"""JW-04 schedule: an active signing key older than the limit is rotated through the normal
lifecycle (the published next key takes over; the old one stays published); younger keys and
`0` (off) leave everything alone. Keys stay sealed at rest."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.cli.main import app
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.keys.model import KeyState
from tier0.services.key_schedule import rotate_aged_keys

DAYS_90 = timedelta(days=90)


async def test_jw04_keys_older_than_the_limit_are_rotated(
    container: Container, clock: FrozenClock
) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    await container.keys.ensure(tenant.id, ["ES256"], by=ChangedBy.cli())
    [old] = [k for k in await container.keys.list(tenant.id) if k.state is KeyState.ACTIVE]

    clock.advance(timedelta(days=30))
    assert (
        await rotate_aged_keys(container.keys, [tenant], DAYS_90, clock, by=ChangedBy.cli()) == []
    )

    clock.advance(timedelta(days=61))
    [rotated] = await rotate_aged_keys(container.keys, [tenant], DAYS_90, clock, by=ChangedBy.cli())
    assert rotated.retired == (old.kid,) and len(rotated.activated) == 1
    states = {k.kid: k.state for k in await container.keys.list(tenant.id)}
    assert states[old.kid] is KeyState.RETIRED and states[rotated.activated[0]] is KeyState.ACTIVE
    jwks = await container.keys.jwks(tenant.id)
    assert old.kid in {k["kid"] for k in jwks["keys"]}  # old tokens still verify


def test_jw04_rotate_aged_cli_leaves_young_keys_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIER0_SIGNING_ALG", "ES256")
    runner = CliRunner()
    assert runner.invoke(app, ["tenant", "create", "acme"]).exit_code == 0
    assert runner.invoke(app, ["key", "rotate", "-t", "acme"]).exit_code == 0
    result = runner.invoke(app, ["key", "rotate-aged", "--if-older-than", "1", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    monkeypatch.setenv("TIER0_SIGNING_KEY_MAX_AGE_DAYS", "0")
    result = runner.invoke(app, ["key", "rotate-aged"])
    assert result.exit_code == 0 and "automatic rotation is off" in result.stdout
