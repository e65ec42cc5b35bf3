"""MFA service: enrollment, one-time use, recovery codes, sealing and throttling
(MF-01, MF-02, BF-04)."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Tenant, User
from tier0.errors import Unavailable
from tier0.mfa import totp
from tier0.mfa.service import InvalidCode, TotpEnrollment
from tier0.services.users import UserSpec
from tier0.settings import Settings

IP = "203.0.113.9"


@pytest.fixture
async def world(container: Container) -> tuple[Tenant, User]:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    user = await container.users.create(
        tenant, UserSpec(email=f"{unique()}@example.com"), by=ChangedBy.cli()
    )
    return tenant, user


async def _enrolled(
    container: Container, clock: FrozenClock, tenant: Tenant, user: User
) -> tuple[TotpEnrollment, list[str]]:
    enrollment = await container.mfa.enroll_totp(tenant, user.user_id, account=user.email)
    code = totp.code_at_step(enrollment.seed, totp.step_at(clock.now()))
    codes = await container.mfa.confirm_totp(
        tenant, user.user_id, enrollment.factor_id, code, ip=IP
    )
    clock.advance(timedelta(seconds=30))  # the confirming step is used up
    return enrollment, codes


async def test_enrollment_counts_only_once_confirmed(
    container: Container, world: tuple[Tenant, User], clock: FrozenClock
) -> None:
    tenant, user = world
    enrollment = await container.mfa.enroll_totp(tenant, user.user_id, account=user.email)
    assert enrollment.uri.startswith("otpauth://totp/") and "<svg" in enrollment.qr_svg
    assert not await container.mfa.enrolled(tenant, user.user_id)
    with pytest.raises(InvalidCode):
        await container.mfa.confirm_totp(
            tenant, user.user_id, enrollment.factor_id, "000000", ip=IP
        )
    code = totp.code_at_step(enrollment.seed, totp.step_at(clock.now()))
    codes = await container.mfa.confirm_totp(
        tenant, user.user_id, enrollment.factor_id, code, ip=IP
    )
    assert len(codes) == 10 and await container.mfa.enrolled(tenant, user.user_id)


async def test_mf01_a_code_is_accepted_once(
    container: Container, world: tuple[Tenant, User], clock: FrozenClock
) -> None:
    tenant, user = world
    enrollment, _ = await _enrolled(container, clock, tenant, user)
    code = totp.code_at_step(enrollment.seed, totp.step_at(clock.now()))
    assert await container.mfa.verify(tenant, user.user_id, code, ip=IP) == "otp"
    with pytest.raises(InvalidCode):
        await container.mfa.verify(tenant, user.user_id, code, ip=IP)
    # A code from two steps ago is refused as well.
    clock.advance(timedelta(seconds=60))
    old = totp.code_at_step(enrollment.seed, totp.step_at(clock.now()) - 2)
    with pytest.raises(InvalidCode):
        await container.mfa.verify(tenant, user.user_id, old, ip=IP)


async def test_mf01_parallel_submissions_give_one_success(
    container: Container, world: tuple[Tenant, User], clock: FrozenClock
) -> None:
    tenant, user = world
    enrollment, _ = await _enrolled(container, clock, tenant, user)
    code = totp.code_at_step(enrollment.seed, totp.step_at(clock.now()))
    results = await asyncio.gather(
        *(container.mfa.verify(tenant, user.user_id, code, ip=IP) for _ in range(2)),
        return_exceptions=True,
    )
    assert results.count("otp") == 1
    assert sum(isinstance(r, InvalidCode) for r in results) == 1


async def test_mf02_recovery_codes_single_use_and_regeneration(
    container: Container, world: tuple[Tenant, User], clock: FrozenClock
) -> None:
    tenant, user = world
    _, codes = await _enrolled(container, clock, tenant, user)
    assert await container.mfa.verify(tenant, user.user_id, codes[0].upper(), ip=IP) == "mfa"
    with pytest.raises(InvalidCode):
        await container.mfa.verify(tenant, user.user_id, codes[0], ip=IP)
    assert await container.mfa.recovery_codes_left(tenant, user.user_id) == 9
    fresh = await container.mfa.regenerate_recovery_codes(tenant, user.user_id)
    with pytest.raises(InvalidCode):  # the old set died with the regeneration
        await container.mfa.verify(tenant, user.user_id, codes[1], ip=IP)
    assert await container.mfa.verify(tenant, user.user_id, fresh[0], ip=IP) == "mfa"


async def test_mf02_seed_and_codes_are_not_stored_in_clear(
    container: Container, world: tuple[Tenant, User], clock: FrozenClock, backend: str
) -> None:
    tenant, user = world
    enrollment, codes = await _enrolled(container, clock, tenant, user)
    factors = await container.mfa.factors(tenant, user.user_id)
    sealed = factors[0].sealed_secret or ""
    assert enrollment.seed not in sealed
    assert base64.b32decode(enrollment.seed) not in base64.b64decode(sealed)
    if backend == "sqlite":
        dump = (container.settings.data_dir / "tier0.db").read_bytes()
        wal = container.settings.data_dir / "tier0.db-wal"
        dump += wal.read_bytes() if wal.exists() else b""
        assert enrollment.seed.encode() not in dump
        assert all(c.encode() not in dump for c in codes)


async def test_bf04_guessing_totp_is_throttled(
    container: Container, world: tuple[Tenant, User], clock: FrozenClock
) -> None:
    tenant, user = world
    enrollment, _ = await _enrolled(container, clock, tenant, user)
    throttled = None
    for attempt in range(40):
        try:
            await container.mfa.verify(tenant, user.user_id, f"{attempt:06d}", ip=IP)
        except InvalidCode:
            continue
        except Unavailable as exc:
            throttled = exc
            break
    assert throttled is not None and throttled.retry_after >= 1
    # Even the right code waits while the account is throttled.
    good = totp.code_at_step(enrollment.seed, totp.step_at(clock.now()))
    with pytest.raises(Unavailable):
        await container.mfa.verify(tenant, user.user_id, good, ip=IP)


async def test_reset_removes_factors_and_codes(
    container: Container, world: tuple[Tenant, User], clock: FrozenClock
) -> None:
    tenant, user = world
    _, codes = await _enrolled(container, clock, tenant, user)
    assert await container.mfa.reset(tenant, user.user_id) == 1
    assert not await container.mfa.enrolled(tenant, user.user_id)
    with pytest.raises(InvalidCode):
        await container.mfa.verify(tenant, user.user_id, codes[0], ip=IP)


def test_cli_lists_and_resets_factors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from tier0.cli.main import app

    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert runner.invoke(app, ["tenant", "create", "acme"]).exit_code == 0
    created = runner.invoke(
        app, ["user", "create", "-t", "acme", "--email", "m@example.com", "--json"]
    )
    user_id = json.loads(created.stdout)["user_id"]

    async def enroll() -> None:
        container = Container.build(Settings(data_dir=tmp_path / "data"))
        try:
            tenant = await container.tenants.get("acme")
            enrollment = await container.mfa.enroll_totp(tenant, user_id, account="m")
            code = totp.code_at_step(enrollment.seed, totp.step_at(container.clock.now()))
            await container.mfa.confirm_totp(tenant, user_id, enrollment.factor_id, code, ip=IP)
        finally:
            await container.close()

    asyncio.run(enroll())
    listed = runner.invoke(app, ["user", "mfa", "list", user_id, "-t", "acme", "--json"])
    assert listed.exit_code == 0
    factors = json.loads(listed.stdout)
    assert [f["type"] for f in factors] == ["totp", "recovery-code"]
    assert factors[0]["confirmed"] is True and factors[1]["recovery_codes_left"] == 10
    assert "seed" not in listed.stdout and "secret" not in listed.stdout
    removed = runner.invoke(
        app, ["user", "mfa", "remove", user_id, "recovery-code", "-t", "acme", "--json"]
    )
    assert removed.exit_code == 0 and json.loads(removed.stdout)["type"] == "recovery-code"
    listed = runner.invoke(app, ["user", "mfa", "list", user_id, "-t", "acme", "--json"])
    assert [f["type"] for f in json.loads(listed.stdout)] == ["totp"]
    unknown = runner.invoke(app, ["user", "mfa", "remove", user_id, "mfa_nope", "-t", "acme"])
    assert unknown.exit_code == 2
    reset = runner.invoke(app, ["user", "mfa", "reset", user_id, "-t", "acme", "--json"])
    assert reset.exit_code == 0 and json.loads(reset.stdout)["factors_removed"] == 1
    missing = runner.invoke(app, ["user", "mfa", "reset", "auth0|nobody", "-t", "acme"])
    assert missing.exit_code == 2
