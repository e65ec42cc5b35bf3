"""BF-04: every guessable secret is throttled per subject and per IP."""

from __future__ import annotations

from tier0.cache.counters import CounterStore
from tier0.cache.memory import MemoryCounterStore
from tier0.clock import FrozenClock
from tier0.protection.guessing import (
    DEFAULT_GUESS_POLICIES,
    GuessPolicy,
    GuessThrottle,
    SecretKind,
)
from tier0.protection.keys import KeyHasher
from tier0.protection.progressive import ProgressivePolicy
from tier0.protection.suspicious_ip import Stage

T, IP = "acme", "198.51.100.7"


async def test_bf04_client_secret_brute_force_is_throttled(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    guard = GuessThrottle(store, clock, hasher)
    kind = SecretKind.CLIENT_SECRET
    results = [
        await guard.record_failure(kind, T, ip=f"203.0.113.{i}", subject="m2m") for i in range(10)
    ]
    assert not any(r.throttled for r in results[:9])  # answered invalid_client
    assert results[9].throttled  # the 11th try gets 429
    assert (await guard.check(kind, T, ip=IP, subject="m2m")).retry_after == 1
    assert not (await guard.check(kind, T, ip=IP, subject="other-client")).throttled
    assert not (await guard.check(kind, "other-tenant", ip=IP, subject="m2m")).throttled
    await guard.record_success(kind, T, subject="m2m")
    assert not (await guard.check(kind, T, ip=IP, subject="m2m")).throttled


async def test_bf04_a_refusal_says_whether_the_ips_bucket_refused(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    """`by_ip`: the caller reports a refusal per IP when the IP's bucket refused (one source
    guessing across clients), else per client (the client's own wait)."""
    guard = GuessThrottle(store, clock, hasher)
    kind = SecretKind.CLIENT_SECRET
    for _ in range(11):
        await guard.record_failure(kind, T, ip=IP, subject="m2m")
    by_client = await guard.check(kind, T, ip=IP, subject="m2m")
    assert by_client.throttled and not by_client.by_ip
    for i in range(49):  # 60 failures from IP in all: its bucket is empty
        await guard.record_failure(kind, T, ip=IP, subject=f"made-up-{i}")
    for subject in ("m2m", "fresh"):
        both = await guard.check(kind, T, ip=IP, subject=subject)
        assert both.throttled and both.by_ip
    assert (await guard.check(kind, T, ip=IP)).by_ip
    elsewhere = await guard.check(kind, T, ip="203.0.113.9", subject="m2m")
    assert elsewhere.throttled and not elsewhere.by_ip
    assert not (await guard.check(kind, T, ip="203.0.113.9", subject="fresh")).by_ip


async def test_bf04_101_bad_totps_throttle_the_account(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    """Even an attacker who waits out every delay gets at most 100 consecutive tries."""
    policies = {SecretKind.TOTP: GuessPolicy(ProgressivePolicy(max_delay_s=30), Stage(1000, 1))}
    guard = GuessThrottle(store, clock, hasher, policies=policies)
    tries = 0
    for i in range(101):
        ip = f"10.0.{i}.1"
        check = await guard.check(SecretKind.TOTP, T, ip=ip, subject="user-1")
        if check.retry_after > 3600:
            break
        clock.advance(check.retry_after)  # the attacker patiently waits out each delay
        await guard.record_failure(SecretKind.TOTP, T, ip=ip, subject="user-1")
        tries += 1
    assert tries == 100
    blocked = await guard.check(SecretKind.TOTP, T, ip=IP, subject="user-1")
    assert blocked.throttled
    assert blocked.retry_after > 3600  # until the failure window ends, not forever
    clock.advance(blocked.retry_after)
    assert not (await guard.check(SecretKind.TOTP, T, ip=IP, subject="user-1")).throttled


async def test_bf04_user_code_guessing_is_throttled_per_ip(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    guard = GuessThrottle(store, clock, hasher)
    kind = SecretKind.USER_CODE
    results = [await guard.record_failure(kind, T, ip=IP) for _ in range(10)]
    assert results[-1].throttled
    assert results[-1].retry_after == 60
    assert not (await guard.check(kind, T, ip="203.0.113.1")).throttled
    clock.advance(60)
    assert not (await guard.check(kind, T, ip=IP)).throttled


async def test_bf04_reset_and_verification_tokens_and_recovery_codes(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    guard = GuessThrottle(store, clock, hasher)
    for kind in (SecretKind.RESET_TOKEN, SecretKind.VERIFICATION_TOKEN):
        outcomes = [await guard.record_failure(kind, T, ip=IP) for _ in range(20)]
        assert outcomes[-1].throttled and not outcomes[-2].throttled
    codes = [
        await guard.record_failure(SecretKind.RECOVERY_CODE, T, ip=f"10.1.0.{i}", subject="u")
        for i in range(4)
    ]
    assert [c.throttled for c in codes] == [False, False, True, True]


def test_bf04_every_secret_kind_has_a_policy() -> None:
    assert set(DEFAULT_GUESS_POLICIES) == set(SecretKind)


async def test_subject_pseudonym_is_hashed_once_per_subject_and_the_memo_is_bounded(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    """A successful client-secret check (check, then record) hashes the client id once,
    and the same subject keeps the same counters; made-up subjects cannot grow the memo."""
    import tier0.protection.guessing as guessing

    hashed: list[str] = []
    real = hasher.identifier

    def counted(tenant: str, identifier: str) -> str:
        hashed.append(identifier)
        return real(tenant, identifier)

    hasher.identifier = counted  # type: ignore[method-assign]
    guard = GuessThrottle(store, clock, hasher)
    kind = SecretKind.CLIENT_SECRET
    for _ in range(3):
        await guard.check(kind, T, ip=IP, subject="m2m")
        await guard.record_success(kind, T, subject="m2m")
    assert hashed == ["m2m"]
    for i in range(11):  # failures still land on the same subject's counters
        await guard.record_failure(kind, T, ip=f"203.0.113.{i}", subject="m2m")
    assert (await guard.check(kind, T, ip=IP, subject="m2m")).throttled
    for i in range(guessing._MAX_KEYS + 10):
        await guard.check(kind, T, ip=IP, subject=f"made-up-{i}")
    assert len(guard._keys) <= guessing._MAX_KEYS


class _CountingResets(MemoryCounterStore):
    """The memory store, counting `reset` calls (each one a round trip on Redis)."""

    resets = 0

    async def reset(self, *keys: str) -> None:
        self.resets += 1
        await super().reset(*keys)


async def test_bf04_a_success_resets_only_what_a_check_or_a_failure_left(
    clock: FrozenClock, hasher: KeyHasher
) -> None:
    """A clean subject's success costs no reset; failures seen by the check, or recorded by
    this process after it, are still ended by the success."""
    store = _CountingResets(clock)
    node, other = GuessThrottle(store, clock, hasher), GuessThrottle(store, clock, hasher)
    kind = SecretKind.CLIENT_SECRET
    for _ in range(3):
        assert not (await node.check(kind, T, ip=IP, subject="m2m")).throttled
        await node.record_success(kind, T, subject="m2m")
    assert store.resets == 0
    for i in range(11):  # another node's failures: the next check sees them
        await other.record_failure(kind, T, ip=f"203.0.113.{i}", subject="m2m")
    assert (await node.check(kind, T, ip=IP, subject="m2m")).throttled
    clock.advance(3600)  # the waits end; the failure count does not
    assert not (await node.check(kind, T, ip=IP, subject="m2m")).throttled
    await node.record_success(kind, T, subject="m2m")
    assert store.resets == 1
    await node.check(kind, T, ip=IP, subject="m2m")  # clean again
    for i in range(10):  # this node's own failures after the check
        await node.record_failure(kind, T, ip=f"203.0.113.{i}", subject="m2m")
    await node.record_success(kind, T, subject="m2m")
    assert store.resets == 2
    assert not (await node.record_failure(kind, T, ip=IP, subject="m2m")).throttled  # run ended
