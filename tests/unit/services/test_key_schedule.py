"""JW-04 schedule: an active signing key older than the limit is rotated through the normal
lifecycle (the published next key takes over; the old one stays published); younger keys and
`0` (off) leave everything alone. Keys stay sealed at rest."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import unique
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.keys.model import KeyState
from tier0.services.key_schedule import rotate_aged_keys


async def test_jw04_keys_older_than_the_limit_are_rotated(
    container: Container, clock: FrozenClock
) -> None:
    tenant = await container.tenants.create(unique())
    await container.keys.ensure(tenant.id, ["ES256"])
    [old] = [k for k in await container.keys.list(tenant.id) if k.state is KeyState.ACTIVE]

    clock.advance(timedelta(days=30))
    assert await rotate_aged_keys(container.keys, [tenant], timedelta(days=90), clock) == []

    clock.advance(timedelta(days=61))
    [rotated] = await rotate_aged_keys(container.keys, [tenant], timedelta(days=90), clock)
    assert rotated.retired == (old.kid,) and len(rotated.activated) == 1
    states = {k.kid: k.state for k in await container.keys.list(tenant.id)}
    assert states[old.kid] is KeyState.RETIRED and states[rotated.activated[0]] is KeyState.ACTIVE
    jwks = await container.keys.jwks(tenant.id)
    assert old.kid in {k["kid"] for k in jwks["keys"]}  # old tokens still verify
