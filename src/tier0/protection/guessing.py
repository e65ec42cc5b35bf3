"""Throttling for every guessable secret (BF-04).

ASVS 6.3.3 / 6.6.3 and NIST SP 800-63B §3.2.2: online guessing must be rate limited wherever
a secret is checked: client secrets at /oauth/token, /oauth/introspect and /oauth/revoke,
TOTP, recovery and email one-time codes, device `user_code`s (RFC 8628 §5.1: "the
authorization server SHOULD implement rate limiting" of user code entry), reset and
verification tokens.

Two layers per secret kind:

* per **subject** (the client, the user) a `ProgressiveThrottle`: growing waits, at most 100
  consecutive failures (NIST), never permanent;
* per **IP** a token bucket of failures, so one source guessing across many subjects (or a
  secret with no subject, like a `user_code`) is slowed as well.

The caller checks before verifying the secret, records the outcome after, and answers a
refusal with 429 + `Retry-After` in its surface's format (after the first failures it keeps
answering `invalid_client` / `invalid_grant` as the protocol says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from math import ceil

from tier0.cache.counters import CounterStore
from tier0.clock import Clock
from tier0.protection.keys import KeyHasher
from tier0.protection.networks import normalise_ip
from tier0.protection.progressive import ProgressivePolicy, ProgressiveThrottle
from tier0.protection.suspicious_ip import Stage, Throttle


class SecretKind(StrEnum):
    CLIENT_SECRET = "client_secret"  # noqa: S105 - a kind of secret, not a secret
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    EMAIL_OTP = "email_otp"
    USER_CODE = "user_code"
    RESET_TOKEN = "reset_token"  # noqa: S105
    VERIFICATION_TOKEN = "verification_token"  # noqa: S105
    UNBLOCK_TOKEN = "unblock_token"  # noqa: S105


@dataclass(frozen=True, slots=True)
class GuessPolicy:
    """`subject` applies when the caller names one; `per_ip` always."""

    subject: ProgressivePolicy = field(default_factory=ProgressivePolicy)
    per_ip: Stage = field(default_factory=lambda: Stage(30, 60_000))


#: Defaults: subjects get a few free tries, then doubling waits; IPs regain one try a minute
#: (two seconds for client secrets, which busy M2M fleets share behind NAT).
DEFAULT_GUESS_POLICIES: Mapping[SecretKind, GuessPolicy] = {
    SecretKind.CLIENT_SECRET: GuessPolicy(ProgressivePolicy(free_failures=10), Stage(60, 2_000)),
    SecretKind.TOTP: GuessPolicy(ProgressivePolicy(free_failures=5)),
    SecretKind.RECOVERY_CODE: GuessPolicy(ProgressivePolicy(free_failures=3)),
    SecretKind.EMAIL_OTP: GuessPolicy(ProgressivePolicy(free_failures=5)),
    SecretKind.USER_CODE: GuessPolicy(per_ip=Stage(10, 60_000)),
    SecretKind.RESET_TOKEN: GuessPolicy(per_ip=Stage(20, 60_000)),
    SecretKind.VERIFICATION_TOKEN: GuessPolicy(per_ip=Stage(20, 60_000)),
    SecretKind.UNBLOCK_TOKEN: GuessPolicy(per_ip=Stage(20, 60_000)),
}


#: Subject counter keys remembered per process (see ``GuessThrottle._subject``).
_MAX_KEYS = 4096


class GuessThrottle:
    """Checks and records secret-verification outcomes per kind, tenant, subject and IP."""

    def __init__(
        self,
        counters: CounterStore,
        clock: Clock,
        hasher: KeyHasher,
        *,
        policies: Mapping[SecretKind, GuessPolicy] = DEFAULT_GUESS_POLICIES,
    ) -> None:
        self._counters = counters
        self._hasher = hasher
        self._policies = dict(policies)
        self._subjects = ProgressiveThrottle(counters, clock, "guess")
        self._keys: dict[tuple[SecretKind, str, str], str] = {}
        #: Subject keys whose last check found no failure state (bounded like `_keys`).
        self._clean: dict[str, bool] = {}

    def _subject(self, kind: SecretKind, tenant: str, subject: str) -> str:
        """The subject's counter key. Every client-secret check computed the keyed hash
        twice (check, then record); the pseudonyms of recent subjects are kept, bounded
        (a flood of made-up subjects only clears the memo, it never grows past the cap)."""
        memo = (kind, tenant, subject)
        key = self._keys.get(memo)
        if key is None:
            key = f"{kind.value}:{tenant}:{self._hasher.identifier(tenant, subject)}"
            if len(self._keys) >= _MAX_KEYS:
                self._keys.clear()
            self._keys[memo] = key
        return key

    @staticmethod
    def _ip_key(kind: SecretKind, tenant: str, ip: str) -> str:
        return f"guess:ip:{kind.value}:{tenant}:{normalise_ip(ip)}"

    async def _ip(self, kind: SecretKind, tenant: str, ip: str, cost: int) -> int:
        stage = self._policies[kind].per_ip
        state = await self._counters.take(
            self._ip_key(kind, tenant, ip),
            capacity=stage.max_attempts,
            refill_s=stage.rate_ms / 1000,
            cost=cost,
        )
        return 0 if state.allowed else max(1, ceil(state.retry_after_s - 1e-3))

    async def check(
        self, kind: SecretKind, tenant: str, *, ip: str, subject: str | None = None
    ) -> Throttle:
        """May this secret be tried now? Call before verifying it.

        With a subject, one `peek_guess` reads the IP's bucket, the subject's wait and
        whether it holds any failure state: a subject found clean needs no reset when its
        secret is right (`record_success`), so a successful check is one round trip."""
        if subject is None:
            wait = await self._ip(kind, tenant, ip, cost=0)
            return Throttle(wait > 0, wait, by_ip=wait > 0)
        key = self._subject(kind, tenant, subject)
        counter, wait_set = self._subjects.keys(key)
        stage = self._policies[kind].per_ip
        peek = await self._counters.peek_guess(
            self._ip_key(kind, tenant, ip),
            capacity=stage.max_attempts,
            refill_s=stage.rate_ms / 1000,
            members=wait_set,
            counter=counter,
        )
        if peek.held:
            self._clean.pop(key, None)
        else:
            if len(self._clean) >= _MAX_KEYS:
                self._clean.clear()
            self._clean[key] = True
        bucket = peek.bucket
        ip_wait = 0 if bucket.allowed else max(1, ceil(bucket.retry_after_s - 1e-3))
        wait = max(ip_wait, self._subjects.wait_from(peek.members))
        return Throttle(wait > 0, wait, by_ip=ip_wait > 0)

    async def record_failure(
        self, kind: SecretKind, tenant: str, *, ip: str, subject: str | None = None
    ) -> Throttle:
        """Count a wrong secret; returns what the next attempt will meet."""
        await self._ip(kind, tenant, ip, cost=1)
        if subject is not None:
            policy = self._policies[kind].subject
            key = self._subject(kind, tenant, subject)
            self._clean.pop(key, None)  # a success racing this failure must reset it
            await self._subjects.record_failure(key, policy)
        return await self.check(kind, tenant, ip=ip, subject=subject)

    async def record_success(self, kind: SecretKind, tenant: str, *, subject: str) -> None:
        """A correct secret ends the subject's run of consecutive failures. When this
        process's last check found the subject clean and no failure was recorded here since,
        there is nothing to end (no round trip). A failure recorded by another node between
        that check and this success survives it: the stricter outcome of a race."""
        key = self._subject(kind, tenant, subject)
        if self._clean.pop(key, False):
            return
        await self._subjects.reset(key)
