"""SigningKey invariants (JW-04): no private material in repr or public JWK, random kids."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tier0.keys import KeyState, SigningKey, new_kid, new_signing_key

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def test_jw04_repr_never_shows_the_private_key() -> None:
    key = new_signing_key("ES256", KeyState.ACTIVE, NOW)
    text = repr(key) + str(key)
    assert key.private_jwk["d"] not in text
    assert "private_jwk" not in text
    assert key.kid in text


def test_jw04_public_jwk_of_a_new_key_is_public_only() -> None:
    key = new_signing_key("EdDSA", KeyState.NEXT, NOW)
    assert set(key.public_jwk) == {"kty", "crv", "x", "use", "alg", "kid"}
    assert key.state is KeyState.NEXT
    assert key.activated_at is None
    assert key.is_published(NOW)


def test_jw04_kids_are_random_and_unique() -> None:
    kids = {new_kid() for _ in range(500)}
    assert len(kids) == 500
    assert not any(kid.startswith("-") for kid in kids)  # usable as a CLI argument
    assert all(len(k) >= 22 for k in kids)  # 16 random bytes, base64url


def test_new_active_key_is_activated_now() -> None:
    key = new_signing_key("ES256", KeyState.ACTIVE, NOW)
    assert key.activated_at == NOW
    assert key.age(NOW + timedelta(hours=2)) == timedelta(hours=2)
    with pytest.raises(ValueError, match="never retired"):
        new_signing_key("ES256", KeyState.RETIRED, NOW)


def test_invariants_are_checked() -> None:
    key = new_signing_key("ES256", KeyState.NEXT, NOW)
    with pytest.raises(ValueError, match="private"):
        replace(key, public_jwk=dict(key.private_jwk))
    with pytest.raises(ValueError, match="kid"):
        replace(key, kid="other")
    with pytest.raises(ValueError, match="timezone"):
        replace(key, created_at=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="activated_at"):
        replace(key, state=KeyState.ACTIVE)
    with pytest.raises(ValueError, match="retired_at"):
        replace(key, state=KeyState.RETIRED)


def test_retired_key_is_published_until_not_after() -> None:
    key = new_signing_key("ES256", KeyState.ACTIVE, NOW)
    retired = replace(
        key, state=KeyState.RETIRED, retired_at=NOW, not_after=NOW + timedelta(hours=1)
    )
    assert retired.is_published(NOW + timedelta(minutes=59))
    assert not retired.is_published(NOW + timedelta(hours=1))


def test_equality_ignores_the_private_half() -> None:
    key = new_signing_key("ES256", KeyState.NEXT, NOW)
    twin = SigningKey(
        kid=key.kid,
        alg=key.alg,
        state=key.state,
        created_at=key.created_at,
        activated_at=None,
        retired_at=None,
        not_after=None,
        private_jwk={"kid": key.kid},
        public_jwk=key.public_jwk,
    )
    assert twin == key
