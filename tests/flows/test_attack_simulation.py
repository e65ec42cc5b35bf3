"""BF-01/BF-02 end to end at small scale: `bench.attack`'s credential-stuffing simulation
(the real app over HTTP, the universal-login form, a trusted proxy with forged hops, real
bcrypt counted on the container's hasher), 600 stuffing attempts from 3 IPs. Once an IP's
thresholds engage, its attempts cost no password hash; legitimate users from their own
addresses keep signing in. Counts only, no timing (the full run is `python -m bench.attack`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from bench.attack import Simulation
from bench.attack_world import build

from tier0.clock import FrozenClock

pytestmark = pytest.mark.slow


async def test_bf02_stuffing_is_refused_before_hashing_while_users_sign_in(
    tmp_path: Path,
) -> None:
    args = argparse.Namespace(attempts=600, accounts=60, ips=3, legit_every=20, seed=7)
    clock = FrozenClock()
    world = await build(tmp_path / "data", clock, accounts=60, cost=4, redis_url=None)
    try:
        sim = Simulation(world, clock, args)
        stats = await sim.run()
    finally:
        await world.close()
    # Every attacker's thresholds engaged, and after that no attempt reached a hash.
    assert all(attacker.engaged_after is not None for attacker in sim.attackers)
    assert stats.after > 0 and stats.after_unhashed == stats.after
    # Before that, each failed attempt cost exactly one hash: nothing is refused for free
    # that should have been checked, and nothing checked twice.
    assert stats.hashes == stats.statuses[400] == stats.attempts - stats.refused
    assert stats.hashes <= 3 * 25  # the stuffing flag: 20 distinct accounts per IP
    # Legitimate sign-ins: all through at the first try, one hash each.
    assert stats.legit == 30
    assert stats.legit_first_try == stats.legit
    assert stats.legit_hashes == stats.legit
