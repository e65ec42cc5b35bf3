from __future__ import annotations

import httpx
import pytest

from tier0.users.hibp import BreachCheckUnavailable, HibpChecker

from .conftest import LEAKED, FakeRangeServer


async def test_pw05_online_check_finds_leaked_password_sending_only_a_prefix(
    server: FakeRangeServer,
) -> None:
    async with httpx.AsyncClient() as client:
        checker = HibpChecker(client, base_url=server.url)
        assert await checker.breach_count(LEAKED) == 3861493
        assert await checker.is_breached(LEAKED)
        assert not await checker.is_breached("Vq7#zLm2-pXr9!eWk")
    path, padding = server.requests[0]
    assert padding == "true"
    prefix = path.removeprefix("/range/")
    assert len(prefix) == 5  # k-anonymity: 5 of 40 hex digits leave the machine
    assert all(LEAKED not in p for p, _ in server.requests)


async def test_padding_entries_do_not_count(server: FakeRangeServer) -> None:
    async with httpx.AsyncClient() as client:
        checker = HibpChecker(client, base_url=server.url, min_count=5)
        assert not await checker.is_breached("some other password")


async def test_unavailable_service_fails_closed_by_default(server: FakeRangeServer) -> None:
    server.fail = True
    async with httpx.AsyncClient() as client:
        with pytest.raises(BreachCheckUnavailable):
            await HibpChecker(client, base_url=server.url).is_breached(LEAKED)
        opened = HibpChecker(client, base_url=server.url, fail_open=True)
        assert await opened.breach_count(LEAKED) is None
        assert not await opened.is_breached(LEAKED)
