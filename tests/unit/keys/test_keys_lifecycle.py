"""Rotation rules (JW-04): next published >= cache TTL before use; old kept until not_after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tier0.clock import FrozenClock, epoch
from tier0.jose import InvalidJwt, sign_jwt, verify_jwt
from tier0.jose.algorithms import SIGNING_ALGS
from tier0.keys import (
    KeyState,
    NoSigningKey,
    SigningKey,
    apply_plan,
    current_signer,
    plan_ensure,
    plan_rotation,
    published,
)
from tier0.keys.lifecycle import VERIFY_LEEWAY, plan_revoke

T0 = datetime(2026, 5, 1, tzinfo=UTC)
TTL = timedelta(minutes=10)
LIFETIME = timedelta(hours=1)
PRIVATE = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def rotate(keys: list[SigningKey], now: datetime, *, emergency: bool = False) -> list[SigningKey]:
    plan = plan_rotation(
        keys,
        "ES256",
        now,
        jwks_cache_ttl=TTL,
        max_token_lifetime=LIFETIME,
        emergency=emergency,
    )
    return apply_plan(keys, plan, now)


def bootstrap(now: datetime = T0) -> list[SigningKey]:
    return apply_plan([], plan_ensure([], "ES256", now), now)


def kids(keys: list[dict[str, object]]) -> set[object]:
    return {k["kid"] for k in keys}


def test_bootstrap_creates_a_signer_and_a_published_next_key() -> None:
    keys = bootstrap()
    states = sorted(k.state for k in keys)
    assert states == [KeyState.ACTIVE, KeyState.NEXT]
    signer = current_signer(keys, "ES256", T0)
    jwks = published(keys, T0)
    assert jwks[0]["kid"] == signer.kid  # the active key comes first
    assert len(jwks) == 2
    assert plan_ensure(keys, "ES256", T0).is_noop


def test_no_signer_for_another_alg() -> None:
    with pytest.raises(NoSigningKey):
        current_signer(bootstrap(), "RS256", T0)


def test_jw04_jwks_has_no_private_members() -> None:
    keys = bootstrap()
    keys = rotate(keys, T0 + TTL)
    for jwk in published(keys, T0 + TTL):
        assert not PRIVATE & jwk.keys()
        assert jwk["use"] == "sig"


def test_jw04_next_key_waits_for_the_cache_ttl() -> None:
    keys = bootstrap()
    old = current_signer(keys, "ES256", T0)
    nxt = next(k for k in keys if k.state is KeyState.NEXT)
    early = plan_rotation(
        keys,
        "ES256",
        T0 + TTL - timedelta(seconds=1),
        jwks_cache_ttl=TTL,
        max_token_lifetime=LIFETIME,
    )
    assert early.is_noop
    assert early.ready_at == T0 + TTL
    keys = rotate(keys, T0 + TTL)
    assert current_signer(keys, "ES256", T0 + TTL).kid == nxt.kid
    assert old.kid in kids(published(keys, T0 + TTL))
    assert sum(k.state is KeyState.NEXT for k in keys) == 1  # a fresh successor is queued


def test_jw04_rotation_without_a_next_key_first_publishes_one() -> None:
    keys = bootstrap()
    keys = [k for k in keys if k.state is KeyState.ACTIVE]
    plan = plan_rotation(keys, "ES256", T0, jwks_cache_ttl=TTL, max_token_lifetime=LIFETIME)
    assert plan.create == (KeyState.NEXT,)
    assert not plan.activate
    assert plan.ready_at == T0 + TTL


def test_jw04_old_key_stays_published_until_its_tokens_expire() -> None:
    clock = FrozenClock(T0)
    keys = bootstrap()
    old = current_signer(keys, "ES256", T0)
    clock.advance(TTL)
    exp = epoch(clock.now() + LIFETIME)
    token = sign_jwt({"exp": exp}, private_jwk=old.private_jwk, typ="JWT")
    keys = rotate(keys, clock.now())  # rotate mid-flow
    retired = next(k for k in keys if k.kid == old.kid)
    assert retired.state is KeyState.RETIRED
    assert retired.not_after == clock.now() + LIFETIME + VERIFY_LEEWAY

    def check() -> dict[str, object]:
        return verify_jwt(
            token,
            keys=published(keys, clock.now()),
            allowed_algs=SIGNING_ALGS,
            expected_typ="JWT",
            issuer=None,
            audience=None,
            clock=clock,
        )

    clock.advance(LIFETIME)
    assert check()["exp"] == exp  # old tokens still verify after the rotation
    clock.advance(VERIFY_LEEWAY)
    assert old.kid not in kids(published(keys, clock.now()))
    with pytest.raises(InvalidJwt):
        check()
    plan = plan_rotation(
        keys, "ES256", clock.now(), jwks_cache_ttl=TTL, max_token_lifetime=LIFETIME
    )
    assert old.kid in plan.purge
    assert old.kid not in {k.kid for k in apply_plan(keys, plan, clock.now())}


def test_jw04_emergency_rotation_withdraws_the_old_key_at_once() -> None:
    keys = bootstrap()
    keys = rotate(keys, T0 + TTL)  # now one retired, one active, one next
    before = {k.kid for k in keys}
    now = T0 + TTL + timedelta(minutes=1)
    keys = rotate(keys, now, emergency=True)
    assert not before & kids(published(keys, now))
    signer = current_signer(keys, "ES256", now)
    assert signer.kid not in before
    assert signer.activated_at == now
    assert len(published(keys, now)) == 2  # the new active and the new next


def test_ensure_bootstraps_from_a_lone_next_key_and_purges() -> None:
    keys = bootstrap()
    lone_next = [k for k in keys if k.state is KeyState.NEXT]
    plan = plan_ensure(lone_next, "ES256", T0)
    assert plan.activate == (lone_next[0].kid,)
    assert plan.create == (KeyState.NEXT,)
    after = apply_plan(lone_next, plan, T0)
    assert current_signer(after, "ES256", T0).kid == lone_next[0].kid


def test_other_algorithms_are_left_alone() -> None:
    keys = bootstrap()
    plan = plan_rotation(keys, "EdDSA", T0, jwks_cache_ttl=TTL, max_token_lifetime=LIFETIME)
    assert plan.create == (KeyState.ACTIVE, KeyState.NEXT)
    after = apply_plan(keys, plan, T0)
    assert current_signer(after, "ES256", T0) == current_signer(keys, "ES256", T0)
    assert current_signer(after, "EdDSA", T0).alg == "EdDSA"


def test_apply_plan_refuses_duplicate_kids() -> None:
    keys = bootstrap()
    plan = plan_ensure(keys[:1], "ES256", T0)
    with pytest.raises(ValueError, match="duplicate"):
        apply_plan(keys, plan, T0, make_key=lambda alg, state, now: keys[1])


def _revoke(keys: list[SigningKey], kid: str, now: datetime) -> list[SigningKey]:
    plan = plan_revoke(keys, kid, now)
    assert plan is not None
    return apply_plan(keys, plan, now)


def _by_state(keys: list[SigningKey], now: datetime) -> dict[KeyState, str]:
    return {k.state: k.kid for k in keys if k.is_published(now)}


def test_jw04_revoking_the_active_key_promotes_the_next_at_once() -> None:
    keys = bootstrap()
    before = _by_state(keys, T0)
    now = T0 + timedelta(seconds=1)  # long before the next key's cache wait is over
    after = _revoke(keys, before[KeyState.ACTIVE], now)
    states = _by_state(after, now)
    assert states[KeyState.ACTIVE] == before[KeyState.NEXT]
    assert states[KeyState.NEXT] not in before.values()
    assert before[KeyState.ACTIVE] not in kids(published(after, now))
    assert current_signer(after, "ES256", now).kid == before[KeyState.NEXT]


def test_jw04_revoking_the_next_or_a_retired_key_keeps_the_signer() -> None:
    keys = rotate(bootstrap(), T0 + TTL)  # one retired key, still published
    now = T0 + TTL + timedelta(seconds=1)
    retired = next(k.kid for k in keys if k.state is KeyState.RETIRED)
    signer = current_signer(keys, "ES256", now).kid
    after = _revoke(keys, retired, now)
    assert retired not in kids(published(after, now))
    assert current_signer(after, "ES256", now).kid == signer
    nxt = _by_state(after, now)[KeyState.NEXT]
    after = _revoke(after, nxt, now)
    assert nxt not in kids(published(after, now))
    assert _by_state(after, now)[KeyState.NEXT] != nxt
    assert current_signer(after, "ES256", now).kid == signer


def test_jw04_revoking_an_unknown_or_withdrawn_kid_plans_nothing() -> None:
    keys = bootstrap()
    assert plan_revoke(keys, "no-such-kid", T0) is None
    active = _by_state(keys, T0)[KeyState.ACTIVE]
    after = _revoke(keys, active, T0)
    assert plan_revoke(after, active, T0) is None
