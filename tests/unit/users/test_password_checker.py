from __future__ import annotations

import httpx
import pytest

from tier0.users.breached import BreachedPasswordList
from tier0.users.hibp import HibpChecker
from tier0.users.password_checker import PasswordChecker
from tier0.users.password_policy import PasswordPolicy, PasswordRejected, RejectionCode

from .conftest import LEAKED, FakeRangeServer

POLICY = PasswordPolicy(min_length=8)


async def test_pw05_offline_only_checker_returns_the_nfkc_form(
    breached: BreachedPasswordList,
) -> None:
    checker = PasswordChecker(breached)
    assert await checker.check("Vq7#zLm2-\uff50Xr9", POLICY, context=[]) == "Vq7#zLm2-pXr9"
    with pytest.raises(PasswordRejected) as info:
        await checker.check("password1234", POLICY, context=[])
    assert info.value.code is RejectionCode.BLOCKLISTED


async def test_pw05_online_check_runs_after_the_offline_rules(
    breached: BreachedPasswordList, server: FakeRangeServer
) -> None:
    async with httpx.AsyncClient() as client:
        checker = PasswordChecker(breached, hibp=HibpChecker(client, base_url=server.url))
        with pytest.raises(PasswordRejected) as info:
            await checker.check(LEAKED, POLICY, context=[])
        assert info.value.code is RejectionCode.BLOCKLISTED
        with pytest.raises(PasswordRejected):
            await checker.check("short", POLICY, context=[])
        assert len(server.requests) == 1  # a locally refused password never leaves the box
        await checker.check("Vq7#zLm2-pXr9!eWk", POLICY, context=[])
        off = PasswordPolicy(min_length=8, blocklist=False)
        await checker.check(LEAKED, off, context=[])
        assert len(server.requests) == 2


async def test_history_needs_a_matcher_and_is_applied(breached: BreachedPasswordList) -> None:
    checker = PasswordChecker(breached)
    policy = PasswordPolicy(min_length=8, history_size=3)

    async def matches(password: str, stored: str) -> bool:
        return stored == "h:" + password

    with pytest.raises(PasswordRejected) as info:
        await checker.check(
            "Vq7#zLm2-pXr9",
            policy,
            context=[],
            previous_hashes=["h:Vq7#zLm2-pXr9"],
            matches=matches,
        )
    assert info.value.code is RejectionCode.REUSED
    with pytest.raises(ValueError, match="matcher"):
        await checker.check("Vq7#zLm2-pXr9", policy, context=[], previous_hashes=["x"])
