"""Per-tenant attack-protection policies: stored in the database, enforced from memory.

The one service behind `GET/PATCH /attack-protection/*` and `tier0 protection show|set`.
Reads on the request path go through `refresh`: a dictionary lookup while the tenant's
cached policies are fresh, otherwise one query (the tenant joined to its policy row) whose
result is pushed into the limiters. Freshness follows the shared directory generation when
there is one (checked at most once a second; policy writes bump it), else `ttl_s`. A change
made through this process takes effect at once (docs/attack-protection.md).
When the database cannot be read the cached (or default) policies stay in force: the
defaults protect, so this never fails open.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypeVar

import structlog
from pydantic import BaseModel, ValidationError

from tier0.audit.changes import ChangedBy, ChangeLog
from tier0.audit.event import SecurityEvent, Subject
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.errors import InvalidInput, first_validation_error
from tier0.protection import documents as docs
from tier0.protection.assembly import AttackProtection
from tier0.protection.rate_limits import EndpointClass, LimitTable, Scope
from tier0.single_flight import SingleFlight
from tier0.storage.sql.engine import SqlDatabase
from tier0.storage.sql.repos.protection import Column, SqlProtectionRepo, StoredPolicies

log = structlog.get_logger("tier0.protection")
_T = TypeVar("_T")

Section = Literal[
    "brute-force-protection",
    "suspicious-ip-throttling",
    "breached-password-detection",
    "rate-limits",
]
SECTIONS: tuple[Section, ...] = (
    "brute-force-protection",
    "suspicious-ip-throttling",
    "breached-password-detection",
    "rate-limits",
)
COLUMN: Mapping[Section, Column] = {
    "brute-force-protection": "brute_force",
    "suspicious-ip-throttling": "suspicious_ip",
    "breached-password-detection": "breached_password",
    "rate-limits": "rate_limits",
}
UPDATE_MODEL: Mapping[Section, type[BaseModel]] = {
    "brute-force-protection": docs.BruteForceProtectionUpdate,
    "suspicious-ip-throttling": docs.SuspiciousIpThrottlingUpdate,
    "breached-password-detection": docs.BreachedPasswordDetectionUpdate,
    "rate-limits": docs.RateLimitsUpdate,
}


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """A committed change: the effective documents before and after, and what was sent."""

    section: Section
    before: dict[str, Any]
    after: dict[str, Any]
    fields: tuple[str, ...]

    def details(self) -> dict[str, Any]:
        """Event details: each changed leaf as `{field: "a.b", from, to}`. A flat list,
        because Auth0's member names (`pre-change-password`) are not event-detail keys."""
        old, new = _leaves(self.before), _leaves(self.after)
        changes = [
            {"field": path, "from": old.get(path), "to": value}
            for path, value in new.items()
            if old.get(path) != value
        ]
        return {"section": self.section, "changes": changes}

    def event(self, by: ChangedBy, changes: ChangeLog, tenant: Tenant) -> SecurityEvent:
        """The `management.attack_protection.updated` event of this change (no secrets:
        policy settings hold none)."""
        return by.event(
            changes.clock,
            EventType.MANAGEMENT_ATTACK_PROTECTION_UPDATED,
            tenant_id=tenant.id,
            subject=Subject.of("tenant", tenant.id),
            details={"via": by.via, "fields": list(self.fields), **self.details()},
        )


def _leaves(document: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_leaves(value, f"{path}."))
        else:
            out[path] = value
    return out


#: With a shared directory generation, how long a cached policy is trusted before it is read
#: again even though the generation did not change (as the directory cache's backstop). Each
#: reload is a database read (on SQLite a new connection and its thread): with `ttl_s` (10 s)
#: it cost a token request about 10 µs of CPU at 400 requests/s, more at lower rates.
GENERATION_BACKSTOP_S = 60.0


@dataclass(slots=True)
class _Cached:
    check_at: float  # until then, serve without looking
    expires_at: float  # then reload whatever the generation says (backstop)
    generation: int | None  # the directory generation it was loaded under
    breached: docs.BreachedPasswordPolicy


class ProtectionPolicies:
    def __init__(
        self,
        db: SqlDatabase,
        clock: Clock,
        protection: AttackProtection,
        changes: ChangeLog,
        *,
        defaults: docs.TenantProtection | None = None,
        settings_rate_limits: Mapping[str, LimitTable] | None = None,
        ttl_s: float = 10.0,
        max_tenants: int = 10_000,
        generation: Callable[[], Awaitable[int | None]] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._protection = protection
        self._changes = changes
        self._defaults = defaults or docs.TenantProtection()
        self._settings_limits = dict(settings_rate_limits or {})
        self._ttl_s = ttl_s
        self._max = max_tenants
        self._generation = generation
        self._cache: OrderedDict[str, _Cached] = OrderedDict()  # by tenant name, LRU order
        # Every request in flight misses an expired (or not yet loaded) entry at once: one
        # of them reads it (on SQLite each read is a new connection and its thread).
        self._loads: SingleFlight[None] = SingleFlight()
        # Moved by `invalidate`: a reload that began before a change neither serves callers
        # that came after it nor installs what it read (tier0.single_flight keys).
        self._epochs: dict[str, int] = {}
        self._changes_seen = 0
        for limiter in (protection.brute_force, protection.suspicious_ip, protection.rate_limiter):
            limiter.refresher = self.refresh
            limiter.fresh = self.fresh
            limiter.fresh_until = self.fresh_until

    # -- the hot path ------------------------------------------------------------------

    async def _current_generation(self) -> int | None:
        return None if self._generation is None else await self._generation()

    def fresh(self, tenant_name: str, now: float) -> bool:
        """True while `refresh` would return without looking (the rate limiter asks this
        first on every request: a plain call instead of a coroutine)."""
        entry = self._cache.get(tenant_name)
        return entry is not None and now < entry.check_at

    def fresh_until(self, tenant_name: str) -> float:
        """Until when `fresh` answers True (epoch seconds; 0 when nothing is cached): the
        rate limiter's compiled edge checks (tier0.protection.rate_limit_fast) last no
        longer."""
        entry = self._cache.get(tenant_name)
        return entry.check_at if entry is not None else 0.0

    async def refresh(self, tenant_name: str) -> None:
        """Make sure the limiters hold this tenant's current policies (cheap when cached).

        With the shared directory generation (tier0.cache.generations; a policy write bumps
        it) a cached entry is re-validated at most once a second by one generation read, so
        a change made on any node applies everywhere within about a second, and a minute
        (`GENERATION_BACKSTOP_S`) is the backstop should a bump be lost; where no generation
        is shared, `ttl_s` is the only bound."""
        entry = self._cache.get(tenant_name)
        now = self._clock.now().timestamp()
        if entry is not None and now < entry.check_at:
            return
        generation = await self._current_generation()
        unchanged = generation is not None and entry is not None and generation == entry.generation
        if entry is not None and unchanged and now < entry.expires_at:
            entry.check_at = now + min(1.0, self._ttl_s)
            return
        epoch = self._epochs.get(tenant_name, 0)
        await self._loads.run(
            (tenant_name, generation, epoch),
            partial(self._reload, tenant_name, generation, epoch),
        )

    async def _reload(self, tenant_name: str, generation: int | None, epoch: int) -> None:
        """One read of the tenant's policies, installed unless a change came meanwhile."""
        now = self._clock.now().timestamp()
        try:
            async with self._db.read() as uow:
                stored = await SqlProtectionRepo.of(uow).by_tenant_name(tenant_name)
        except Exception as exc:  # noqa: BLE001 - keep enforcing what we have
            log.error("protection_policy_read_failed", error_type=type(exc).__name__)
            entry = self._cache.get(tenant_name)
            if entry is not None:
                entry.check_at = now + min(self._ttl_s, 1.0)
            return
        if self._epochs.get(tenant_name, 0) == epoch:  # else the read may predate a change
            self._install(tenant_name, stored, now, generation)

    def _install(
        self, name: str, stored: StoredPolicies | None, now: float, generation: int | None
    ) -> None:
        policy = self.build(stored)
        bf, sip, limiter = (
            self._protection.brute_force,
            self._protection.suspicious_ip,
            self._protection.rate_limiter,
        )
        bf.set_policy(name, policy.brute_force)
        sip.set_policy(name, policy.suspicious_ip)
        table = self._merged_limits(name, policy.rate_limits)
        if table:
            limiter.set_tenant_overrides(name, table)
        else:
            limiter.clear_tenant_overrides(name)
        if generation is None:
            check = backstop = self._ttl_s
        else:  # bumps announce changes; the backstop only covers a bump that was lost
            check, backstop = min(1.0, self._ttl_s), max(self._ttl_s, GENERATION_BACKSTOP_S)
        self._cache[name] = _Cached(now + check, now + backstop, generation, policy.breached)
        self._cache.move_to_end(name)
        while len(self._cache) > self._max:
            evicted, _ = self._cache.popitem(last=False)
            bf.forget_policy(evicted)
            sip.forget_policy(evicted)
            limiter.clear_tenant_overrides(evicted)

    def _merged_limits(
        self, name: str, stored: LimitTable
    ) -> dict[EndpointClass, dict[Scope, str | None]]:
        merged: dict[EndpointClass, dict[Scope, str | None]] = {}
        for table in (self._settings_limits.get(name, {}), stored):
            for endpoint, cells in table.items():
                merged.setdefault(EndpointClass(endpoint), {}).update(cells)
        return merged

    def invalidate(self, tenant_name: str) -> None:
        self._cache.pop(tenant_name, None)
        if len(self._epochs) >= self._max:
            self._epochs.clear()  # bounded: a reload then in flight only skips its install
        self._changes_seen += 1  # one sequence for all tenants, so no epoch comes back
        self._epochs[tenant_name] = self._changes_seen
        # Compiled edge checks last until the cached policy's next look: drop them too.
        self._protection.rate_limiter.forget_compiled(tenant_name)

    async def breached(self, tenant: Tenant) -> docs.BreachedPasswordPolicy:
        await self.refresh(tenant.name)
        entry = self._cache.get(tenant.name)
        return entry.breached if entry is not None else self._defaults.breached

    # -- building policies ---------------------------------------------------------------

    def build(self, stored: StoredPolicies | None) -> docs.TenantProtection:
        """Defaults plus what the tenant stored. A stored value the current code refuses
        (a hand-edited row) falls back to that section's default and is logged."""
        d = self._defaults
        if stored is None:
            return d

        def safe(column: Column, make: Callable[[Mapping[str, Any]], _T], fallback: _T) -> _T:
            try:
                return make(stored.section(column))
            except (ValueError, TypeError, KeyError) as exc:
                log.error("protection_policy_invalid", section=column, reason=str(exc)[:200])
                return fallback

        return docs.TenantProtection(
            brute_force=safe(
                "brute_force", partial(docs.brute_force_policy, d.brute_force), d.brute_force
            ),
            suspicious_ip=safe(
                "suspicious_ip",
                partial(docs.suspicious_ip_policy, d.suspicious_ip),
                d.suspicious_ip,
            ),
            breached=safe(
                "breached_password", partial(docs.breached_policy, d.breached), d.breached
            ),
            rate_limits=safe("rate_limits", docs.rate_limit_cells, d.rate_limits),
        )

    def document(
        self, policy: docs.TenantProtection, section: Section, name: str
    ) -> dict[str, Any]:
        if section == "brute-force-protection":
            return docs.brute_force_document(policy.brute_force)
        if section == "suspicious-ip-throttling":
            return docs.suspicious_ip_document(policy.suspicious_ip)
        if section == "breached-password-detection":
            return docs.breached_document(policy.breached)
        return docs.rate_limit_document(
            self._protection.rate_limiter.defaults,
            self._settings_limits.get(name, {}),
            policy.rate_limits,
        )

    # -- reading and changing (management API, CLI) -------------------------------------

    async def show(self, tenant: Tenant, section: Section) -> dict[str, Any]:
        async with self._db.read() as uow:
            stored = await SqlProtectionRepo.of(uow).get(tenant.id)
        return self.document(self.build(stored), section, tenant.name)

    def parse(self, section: Section, body: Mapping[str, Any]) -> BaseModel:
        """Validate a change (CLI input; the API validates through the same models)."""
        try:
            return UPDATE_MODEL[section].model_validate(dict(body))
        except ValidationError as exc:
            detail = first_validation_error(exc.errors())
            raise InvalidInput(f"invalid {section} settings: {detail}") from None
        except ValueError as exc:
            raise InvalidInput(f"invalid {section} settings: {exc}") from exc

    async def update(
        self, tenant: Tenant, section: Section, change: BaseModel, *, by: ChangedBy
    ) -> PolicyChange:
        """Apply ``change`` and write its event in the same transaction (issue #6)."""
        column = COLUMN[section]
        async with self._db.transaction() as uow:
            repo = SqlProtectionRepo.of(uow)
            stored = await repo.get(tenant.id)
            before = self.document(self.build(stored), section, tenant.name)
            patch = docs.sent(change)
            try:
                if isinstance(change, docs.RateLimitsUpdate):
                    merged = docs.merge_rate_limits(stored.section(column), change)
                else:
                    merged = docs.merge(stored.section(column), patch)
                    self._check(section, merged)
            except ValueError as exc:
                raise InvalidInput(f"invalid {section} settings: {exc}") from exc
            await repo.save(tenant.id, column, merged, self._clock.now())
            after_stored = StoredPolicies(tenant.id, {**stored.sections, column: merged})
            after = self.document(self.build(after_stored), section, tenant.name)
            done = PolicyChange(section, before, after, tuple(sorted(patch)))
            await self._changes.write(uow, done.event(by, self._changes, tenant))
        self.invalidate(tenant.name)
        return done

    def _check(self, section: Section, merged: Mapping[str, Any]) -> None:
        """Build the policy from the merged fields so cross-field rules raise here."""
        d = self._defaults
        if section == "brute-force-protection":
            docs.brute_force_policy(d.brute_force, merged)
        elif section == "suspicious-ip-throttling":
            docs.suspicious_ip_policy(d.suspicious_ip, merged)
        else:
            docs.breached_policy(d.breached, merged)
