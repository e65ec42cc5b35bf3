"""Each detection rule fires on its pattern and stays quiet on normal traffic."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import unique
from tier0.audit import Actor, EventType, SecurityEvent, Subject
from tier0.audit.changes import ChangedBy
from tier0.audit.detect import Limit, Thresholds
from tier0.audit.store import EventQuery
from tier0.audit.streams import Relay, RelayPolicy, StreamKind
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.domain import Tenant
from tier0.errors import InvalidInput

E = EventType
LIMITS = {
    "failed_login_burst": "3/60",
    "credential_stuffing": "3/60",
    "block_burst": "2/60",
    "admin_new_ip": "1/86400",
}


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    created = await container.tenants.create(unique("detect"), by=ChangedBy.cli())
    await container.streams.create(
        created.id, "rules", StreamKind.DETECT, LIMITS, actor=Actor.system("test"), from_start=True
    )
    return created


async def _emit(
    c: Container,
    tenant: Tenant,
    event_type: EventType,
    *,
    user: str | None = None,
    ip: str = "203.0.113.5",
    actor: Actor | None = None,
    step: float = 1,
) -> None:
    clock = c.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(step)
    await c.audit.emit(
        SecurityEvent.create(
            event_type,
            clock=clock,
            tenant_id=tenant.id,
            actor=actor or (Actor.user(user) if user else Actor.anonymous()),
            subject=Subject("user", user) if user else None,
            ip=ip,
        )
    )


async def _alerts(c: Container, tenant: Tenant) -> list[EventType]:
    relay = Relay(
        c.db, c.streams.sender, c.clock, node_id="d", policy=RelayPolicy(batch=50),
        tenants=[tenant.id],
    )  # fmt: skip
    while await relay.run_once():
        pass
    found = await c.audit.search(EventQuery(tenant_id=tenant.id, limit=1000))
    return [item.event.type for item in found if item.event.type.startswith("alert.")]


async def test_failed_login_burst_fires_once(container: Container, tenant: Tenant) -> None:
    for _ in range(4):
        await _emit(container, tenant, E.USER_LOGIN_PASSWORD_INCORRECT, user="usr_1")
    assert await _alerts(container, tenant) == [E.ALERT_FAILED_LOGIN_BURST]


async def test_failed_logins_spread_out_stay_quiet(container: Container, tenant: Tenant) -> None:
    for _ in range(4):
        await _emit(container, tenant, E.USER_LOGIN_PASSWORD_INCORRECT, user="usr_1", step=61)
    await _emit(container, tenant, E.USER_LOGIN_SUCCEEDED, user="usr_1")
    assert await _alerts(container, tenant) == []


async def test_credential_stuffing_fires_across_accounts(
    container: Container, tenant: Tenant
) -> None:
    for user in ("usr_1", "usr_2", "usr_3"):
        await _emit(container, tenant, E.USER_LOGIN_PASSWORD_INCORRECT, user=user)
    assert await _alerts(container, tenant) == [E.ALERT_CREDENTIAL_STUFFING]


async def test_failures_from_many_ips_are_not_stuffing(
    container: Container, tenant: Tenant
) -> None:
    for n, user in enumerate(("usr_1", "usr_2", "usr_3")):
        await _emit(container, tenant, E.USER_LOGIN_PASSWORD_INCORRECT, user=user, ip=f"10.0.0.{n}")
    assert await _alerts(container, tenant) == []


async def test_protection_stuffing_signal_raises_an_alert(
    container: Container, tenant: Tenant
) -> None:
    await _emit(container, tenant, E.SECURITY_CREDENTIAL_STUFFING_SUSPECTED)
    assert await _alerts(container, tenant) == [E.ALERT_CREDENTIAL_STUFFING]


async def test_refresh_token_reuse_fires_and_refresh_is_quiet(
    container: Container, tenant: Tenant
) -> None:
    await _emit(container, tenant, E.TOKEN_REFRESHED, user="usr_1")
    assert await _alerts(container, tenant) == []
    await _emit(container, tenant, E.REFRESH_TOKEN_REUSED, user="usr_1")
    assert await _alerts(container, tenant) == [E.ALERT_REFRESH_TOKEN_REUSE]


async def test_block_burst_fires_and_one_block_is_quiet(
    container: Container, tenant: Tenant
) -> None:
    await _emit(container, tenant, E.BRUTE_FORCE_BLOCKED, user="usr_1")
    assert await _alerts(container, tenant) == []
    await _emit(container, tenant, E.SUSPICIOUS_IP_THROTTLED)
    await _emit(container, tenant, E.BRUTE_FORCE_BLOCKED, user="usr_2")
    assert await _alerts(container, tenant) == [E.ALERT_BLOCK_BURST]


async def test_admin_from_a_new_ip_fires_known_ip_is_quiet(
    container: Container, tenant: Tenant
) -> None:
    admin = Actor.admin("adm_1")
    for _ in range(2):
        await _emit(container, tenant, E.MANAGEMENT_USERS_CREATED, actor=admin, ip="192.0.2.1")
    assert await _alerts(container, tenant) == []
    await _emit(container, tenant, E.MANAGEMENT_USERS_UPDATED, actor=admin, ip="198.51.100.9")
    assert await _alerts(container, tenant) == [E.ALERT_ADMIN_NEW_IP]


async def test_broken_audit_chain_raises_an_alert(container: Container, tenant: Tenant) -> None:
    await _emit(container, tenant, E.AUDIT_CHAIN_VERIFIED, actor=Actor.system("cli"))
    assert await _alerts(container, tenant) == []
    await _emit(container, tenant, E.AUDIT_CHAIN_VERIFICATION_FAILED, actor=Actor.system("cli"))
    assert await _alerts(container, tenant) == [E.ALERT_AUDIT_CHAIN_BROKEN]


def test_thresholds_parse_and_refuse_nonsense() -> None:
    limits = Thresholds.from_config({"failed_login_burst": "5/60"})
    assert limits.failed_login_burst == Limit(5, timedelta(seconds=60))
    assert limits.block_burst == Thresholds().block_burst
    for bad in ({"failed_login_burst": "0/60"}, {"failed_login_burst": "x"}, {"nope": "1/1"}):
        with pytest.raises(ValueError):
            Thresholds.from_config(bad)


async def test_detect_stream_refuses_bad_thresholds(container: Container) -> None:
    tenant = await container.tenants.create(unique("detect"), by=ChangedBy.cli())
    with pytest.raises(InvalidInput, match="COUNT/SECONDS"):
        await container.streams.create(
            tenant.id, "rules", StreamKind.DETECT, {"block_burst": "many"}, actor=Actor.system()
        )
