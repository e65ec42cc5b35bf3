"""DP-05: erasing a user clears the attack-protection counters keyed on them (brute-force
blocks and counts, the MFA guessing throttle, per-user rate limits), in the in-process
store and in Redis, and leaves other users' counters alone."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from tests.conftest import REDIS_URL, skip_or_fail, unique
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Tenant, User
from tier0.protection.forget import counter_tokens
from tier0.protection.guessing import SecretKind
from tier0.protection.rate_limits import EndpointClass, RateLimitKeys, Scope
from tier0.services.users import UserSpec
from tier0.settings import Settings

IP = "198.51.100.23"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def protected(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Container]:
    settings = Settings(data_dir=tmp_path / "data", bcrypt_cost=10, hash_workers=1)
    if request.param == "redis":
        if not REDIS_URL:
            skip_or_fail("TIER0_TEST_REDIS_URL is not set")
        settings = settings.model_copy(
            update={"redis_url": REDIS_URL, "counter_key_secret": SecretStr(secrets.token_hex(24))}
        )
    container = Container.build(settings, clock=FrozenClock())
    await container.migrate()
    try:
        yield container
    finally:
        await container.close()


async def attacked(container: Container, tenant: Tenant) -> User:
    user = await container.users.create(
        tenant,
        UserSpec(email=f"{unique('pii')}@example.com", username=unique("u")),
        by=ChangedBy.cli(),
    )
    protection = container.protection
    for _ in range(10):
        await protection.brute_force.record_failure(tenant.name, user.email, IP)
    for _ in range(8):
        await protection.guessing.record_failure(
            SecretKind.TOTP, tenant.id, ip=IP, subject=user.user_id
        )
    keys = RateLimitKeys(tenant=tenant.name, user=user.email)
    await protection.rate_limiter.hit(EndpointClass.LOGIN, keys, only={Scope.USER})
    return user


async def test_dp05_erasure_clears_the_users_counters(protected: Container) -> None:
    tenant = await protected.tenants.create(unique(), by=ChangedBy.cli())
    victim, bystander = await attacked(protected, tenant), await attacked(protected, tenant)
    brute_force, guessing = protected.protection.brute_force, protected.protection.guessing
    assert not (await brute_force.check(tenant.name, victim.email, IP)).allowed
    other_ip = "192.0.2.1"  # the per-IP budget is the IP's, not the user's: look from another
    before = await guessing.check(SecretKind.TOTP, tenant.id, ip=other_ip, subject=victim.user_id)
    assert before.throttled

    report = await protected.privacy.eraser.erase(tenant, victim.user_id, actor=Actor.admin("d"))

    assert report.counters_cleared is not None and report.counters_cleared >= 4
    assert (await brute_force.check(tenant.name, victim.email, IP)).allowed
    assert await brute_force.blocks_for(tenant.name, victim.email) == []
    after = await guessing.check(SecretKind.TOTP, tenant.id, ip=other_ip, subject=victim.user_id)
    assert not after.throttled
    assert not (await brute_force.check(tenant.name, bystander.email, IP)).allowed
    # DP-05's scan: nothing keyed on the erased user is left in the store (Redis: SCAN).
    hasher = protected.protection.key_hasher
    assert hasher is not None
    identifiers = (victim.email, victim.username, victim.user_id)
    tokens = counter_tokens(hasher, tenant, identifiers)
    if protected.protection.redis is not None and REDIS_URL:
        scanner = aioredis.Redis.from_url(REDIS_URL)
        try:
            keys = [key async for key in scanner.scan_iter(match="tier0:*")]
        finally:
            await scanner.aclose()
        assert not [k for k in keys if any(t.encode() in k for t in tokens)]
    assert await protected.protection.counters.forget_containing(tokens) == 0
