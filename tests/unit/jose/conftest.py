"""Shared keys and claim builders for the JOSE tests (RSA generation is slow: once a session)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tier0.clock import FrozenClock, epoch
from tier0.jose.keys import generate_private_jwk

ClaimsFactory = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def private_keys() -> dict[str, dict[str, Any]]:
    """One private JWK per signing alg; RSA at 2048 bits to keep the suite quick."""
    algs = ("RS256", "ES256", "PS256", "EdDSA")
    return {alg: generate_private_jwk(alg, f"kid-{alg.lower()}", rsa_bits=2048) for alg in algs}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def claims(clock: FrozenClock) -> ClaimsFactory:
    """Build a valid claim set (iss https://issuer.example, aud api) at the clock's time."""

    def build(**extra: Any) -> dict[str, Any]:
        now = epoch(clock.now())
        base: dict[str, Any] = {
            "iss": "https://issuer.example/",
            "aud": "api",
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
        }
        base.update(extra)
        return {k: v for k, v in base.items() if v is not None}

    return build
