"""Hypothesis: over any sequence of ensure/rotate calls, JW-04's timing promises hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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

T0 = datetime(2026, 5, 1, tzinfo=UTC)
TTL = timedelta(minutes=10)
LIFETIME = timedelta(hours=1)

steps = st.lists(
    st.tuples(
        st.sampled_from(["ensure", "rotate", "wait"]),
        st.integers(min_value=0, max_value=3 * 3600),
    ),
    min_size=1,
    max_size=25,
)


class Timeline:
    """Replays calls and records when each kid was first published and last used to sign."""

    def __init__(self) -> None:
        self.keys: list[SigningKey] = []
        self.first_published: dict[str, datetime] = {}
        self.signed_until: dict[str, datetime] = {}

    def step(self, action: str, now: datetime) -> None:
        # Whoever signs before this call may have signed a token right up to ``now``.
        self.observe(now)
        if action == "ensure":
            plan = plan_ensure(self.keys, "ES256", now)
        elif action == "rotate":
            plan = plan_rotation(
                self.keys, "ES256", now, jwks_cache_ttl=TTL, max_token_lifetime=LIFETIME
            )
        else:
            plan = None
        if plan is not None:
            self.keys = apply_plan(self.keys, plan, now)
        self.observe(now)

    def observe(self, now: datetime) -> None:
        for jwk in published(self.keys, now):
            self.first_published.setdefault(str(jwk["kid"]), now)
        try:
            signer = current_signer(self.keys, "ES256", now)
        except NoSigningKey:
            return
        self.signed_until[signer.kid] = now


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_jw04_rotation_invariants(plan_steps: list[tuple[str, int]]) -> None:
    timeline = Timeline()
    now = T0
    bootstrap_kid: str | None = None
    for action, wait in plan_steps:
        now += timedelta(seconds=wait)
        timeline.step(action, now)
        if bootstrap_kid is None and timeline.signed_until:
            bootstrap_kid = next(iter(timeline.signed_until))
        if bootstrap_kid is not None:
            current_signer(timeline.keys, "ES256", now)  # never left without a signer
        kids = [k.kid for k in timeline.keys]
        assert len(kids) == len(set(kids))
        assert sum(k.state is KeyState.ACTIVE for k in timeline.keys) <= 1
        for kid, last_signed in timeline.signed_until.items():
            # A token signed at last_signed expires at last_signed + LIFETIME at the latest:
            # its key must be published from now until that moment, boundary included.
            deadline = last_signed + LIFETIME
            for probe in {now, deadline}:
                if now <= probe <= deadline:
                    assert kid in {jwk["kid"] for jwk in published(timeline.keys, probe)}
        activated = {k.kid: k.activated_at for k in timeline.keys if k.activated_at}
        for kid, first_signed in activated.items():
            if kid != bootstrap_kid:
                # Every later signer was in the JWKS for at least the cache TTL first.
                assert first_signed - timeline.first_published[kid] >= TTL
