"""Brute-force protection for sign-in (BF-01), with Auth0's semantics plus an account throttle.

Two independent mechanisms:

1. **Block per (identifier, IP)** (Auth0 "brute-force protection"): after `max_attempts`
   (default 10, 1-100) failed sign-ins for one identifier from one IP, that IP is blocked for
   that identifier. The block ends on `unblock` (admin, unblock link, successful password
   reset) or `block_days` (30) after the failure that set it. A success resets the count.
   Allow-listed IPs are never blocked. In `COUNT_PER_IDENTIFIER` mode (Auth0's lockout mode)
   failures from all IPs count together and the block covers every IP.
2. **Progressive account throttle** across all IPs (`progressive.ProgressiveThrottle`): at
   most 100 consecutive failures per NIST SP 800-63B, growing waits, never permanent: a lock
   anyone can trigger would let anyone lock anyone out.

The caller checks before verifying any password (so refused attempts cost no hash) and records
the outcome after. Events and the unblock e-mail belong to the caller: `Verdict.newly_blocked`
and `Verdict.block` carry what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from math import ceil

from tier0.cache.counters import CounterStore
from tier0.clock import Clock
from tier0.protection.keys import KeyHasher
from tier0.protection.networks import NetworkList, normalise_ip
from tier0.protection.progressive import ProgressivePolicy, ProgressiveThrottle
from tier0.protection.refresh import Refreshable

_DAY = 86_400
_ALL_IPS = "*"
SHIELDS = frozenset({"block", "user_notification"})


class BruteForceMode(StrEnum):
    COUNT_PER_IDENTIFIER_AND_IP = "count_per_identifier_and_ip"
    COUNT_PER_IDENTIFIER = "count_per_identifier"


@dataclass(frozen=True, slots=True)
class BruteForcePolicy:
    """Per-tenant settings (Auth0 `attack-protection/brute-force-protection` plus throttle)."""

    enabled: bool = True
    max_attempts: int = 10
    mode: BruteForceMode = BruteForceMode.COUNT_PER_IDENTIFIER_AND_IP
    allowlist: tuple[str, ...] = ()
    block_days: int = 30
    shields: frozenset[str] = frozenset({"block", "user_notification"})
    account: ProgressivePolicy = field(default_factory=ProgressivePolicy)
    allowed_networks: NetworkList = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.max_attempts <= 100:
            raise ValueError("max_attempts must be between 1 and 100 (Auth0 range)")
        if self.block_days < 1:
            raise ValueError("block_days must be positive")
        if not self.shields <= SHIELDS:
            raise ValueError(f"shields must be among {sorted(SHIELDS)}")
        # Parsed once; raises at configuration time on a bad CIDR.
        object.__setattr__(self, "allowed_networks", NetworkList(self.allowlist))

    @property
    def blocks(self) -> bool:
        """Auth0 shield `block`: without it, failures are counted but nothing is refused."""
        return "block" in self.shields

    @property
    def notifies(self) -> bool:
        """Auth0 shield `user_notification`: the user gets the unblock e-mail."""
        return "user_notification" in self.shields


class VerdictStatus(StrEnum):
    ALLOWED = "allowed"
    BLOCKED = "blocked"  # this IP is blocked for this identifier (Auth0 `limit_wc`)
    THROTTLED = "throttled"  # the account waits `retry_after` seconds


@dataclass(frozen=True, slots=True)
class Block:
    """One blocked (identifier, IP) pair; `ip` is "*" in per-identifier mode."""

    identifier: str
    ip: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Verdict:
    status: VerdictStatus
    retry_after: int = 0
    block: Block | None = None
    newly_blocked: bool = False  # this failure created the block: notify the user, log it

    @property
    def allowed(self) -> bool:
        return self.status is VerdictStatus.ALLOWED


class BruteForceProtection(Refreshable):
    """Checks and records sign-in outcomes per tenant on a `CounterStore`."""

    def __init__(
        self,
        counters: CounterStore,
        clock: Clock,
        hasher: KeyHasher,
        *,
        default_policy: BruteForcePolicy | None = None,
        policies: dict[str, BruteForcePolicy] | None = None,
    ) -> None:
        self._counters = counters
        self._clock = clock
        self._hasher = hasher
        self._default = default_policy or BruteForcePolicy()
        self._policies = dict(policies or {})
        self._account = ProgressiveThrottle(counters, clock, "bf:acct")

    def policy(self, tenant: str) -> BruteForcePolicy:
        return self._policies.get(tenant, self._default)

    def set_policy(self, tenant: str, policy: BruteForcePolicy) -> None:
        self._policies[tenant] = policy

    def forget_policy(self, tenant: str) -> None:
        """Back to the default policy (the stored one left the cache)."""
        self._policies.pop(tenant, None)

    def _who(self, tenant: str, identifier: str) -> str:
        return f"{tenant}:{self._hasher.identifier(tenant, identifier)}"

    def _block_key(self, tenant: str, identifier: str) -> str:
        return f"bf:block:{self._who(tenant, identifier)}"

    def _count_key(self, tenant: str, identifier: str, member: str) -> str:
        return f"bf:count:{self._who(tenant, identifier)}:{member}"

    def _member(self, policy: BruteForcePolicy, ip: str) -> str:
        if policy.mode is BruteForceMode.COUNT_PER_IDENTIFIER:
            return _ALL_IPS
        return normalise_ip(ip)

    def _seconds_until(self, moment: datetime) -> int:
        return max(1, ceil((moment - self._clock.now()).total_seconds()))

    async def check(self, tenant: str, identifier: str, ip: str) -> Verdict:
        """May this IP try a password for this identifier now? Call before hashing."""
        await self._refresh(tenant)
        policy = self.policy(tenant)
        if not policy.enabled:
            return Verdict(VerdictStatus.ALLOWED)
        if not policy.allowed_networks.contains(ip):
            blocks = await self._counters.members(self._block_key(tenant, identifier))
            for member in (self._member(policy, ip), _ALL_IPS):
                if member in blocks:
                    block = Block(identifier, member, blocks[member])
                    return Verdict(
                        VerdictStatus.BLOCKED, self._seconds_until(block.expires_at), block
                    )
        wait = await self._account.wait(self._who(tenant, identifier))
        if wait:
            return Verdict(VerdictStatus.THROTTLED, wait)
        return Verdict(VerdictStatus.ALLOWED)

    async def record_failure(self, tenant: str, identifier: str, ip: str) -> Verdict:
        """Count a failed sign-in; returns the state the next attempt will meet."""
        await self._refresh(tenant)
        policy = self.policy(tenant)
        if not policy.enabled:
            return Verdict(VerdictStatus.ALLOWED)
        newly_blocked = False
        if not policy.allowed_networks.contains(ip):
            newly_blocked = await self._count_towards_block(policy, tenant, identifier, ip)
        await self._account.record_failure(self._who(tenant, identifier), policy.account)
        verdict = await self.check(tenant, identifier, ip)
        if newly_blocked and verdict.block is not None:
            return Verdict(verdict.status, verdict.retry_after, verdict.block, newly_blocked=True)
        return verdict

    async def _count_towards_block(
        self, policy: BruteForcePolicy, tenant: str, identifier: str, ip: str
    ) -> bool:
        member = self._member(policy, ip)
        ttl = policy.block_days * _DAY
        count = await self._counters.incr(self._count_key(tenant, identifier, member), window_s=ttl)
        if count < policy.max_attempts or not policy.blocks:
            return False
        await self._counters.add_member(self._block_key(tenant, identifier), member, ttl_s=ttl)
        return count == policy.max_attempts

    async def record_success(self, tenant: str, identifier: str, ip: str) -> None:
        """A correct sign-in resets this IP's count and the account's consecutive failures."""
        await self._refresh(tenant)
        policy = self.policy(tenant)
        await self._counters.reset(self._count_key(tenant, identifier, self._member(policy, ip)))
        await self._account.reset(self._who(tenant, identifier))

    async def unblock(self, tenant: str, identifier: str, ip: str | None = None) -> list[Block]:
        """Lift blocks (one IP, or all) and the account throttle; returns what was lifted.

        Called for an admin unblock (`DELETE /user-blocks`), a used unblock link, and a
        successful password reset.
        """
        block_key = self._block_key(tenant, identifier)
        lifted = await self.lifting(tenant, identifier, ip)
        for block in lifted:
            await self._counters.remove_member(block_key, block.ip)
            await self._counters.reset(self._count_key(tenant, identifier, block.ip))
        if ip is not None:
            await self._counters.reset(self._count_key(tenant, identifier, normalise_ip(ip)))
        await self._account.reset(self._who(tenant, identifier))
        return lifted

    async def lifting(self, tenant: str, identifier: str, ip: str | None = None) -> list[Block]:
        """The blocks :meth:`unblock` would lift now (read first, to audit the lift)."""
        members = await self._counters.members(self._block_key(tenant, identifier))
        return [
            Block(identifier, member, expires)
            for member, expires in members.items()
            if ip is None or member in (normalise_ip(ip), _ALL_IPS)
        ]

    async def blocks_for(self, tenant: str, identifier: str) -> list[Block]:
        """Current blocks for an identifier (Auth0 `GET /user-blocks?identifier=`)."""
        members = await self._counters.members(self._block_key(tenant, identifier))
        return [Block(identifier, ip, expires) for ip, expires in sorted(members.items())]
