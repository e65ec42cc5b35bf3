"""Per-tenant attack-protection policies as Auth0 documents (AUTH0-COMPAT.md §5).

A tenant stores only what it changed (a sparse JSON object per section); everything else
comes from the deployment's defaults when the policy is built. The request models below are
the one validation of a change, used by the management API and the CLI alike, and
`*_policy` turns defaults plus the stored fields into the objects the limiters enforce.

PATCH semantics: a member that is sent replaces the stored one; `null` removes it, so the
default applies again (in `rate-limits`, `null` switches a limit off as in the settings and
`"default"` removes the override).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tier0.protection.brute_force import BruteForceMode, BruteForcePolicy
from tier0.protection.rate_limits import EndpointClass, LimitTable, Scope, parse_table
from tier0.protection.suspicious_ip import Stage, SuspiciousIpPolicy

JsonObject = dict[str, Any]


def _network(text: str) -> str:
    """An IP or CIDR in canonical form; Auth0 allow-lists take both."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as exc:
        raise ValueError(f"not an IP address or CIDR block: {text[:64]!r}") from exc
    return str(network.network_address) if network.num_addresses == 1 else str(network)


Cidr = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_network)]


class _Patch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class BruteForceProtectionUpdate(_Patch):
    """Auth0 `PATCH /attack-protection/brute-force-protection`."""

    enabled: bool | None = None
    shields: list[Literal["block", "user_notification"]] | None = Field(None, max_length=2)
    mode: BruteForceMode | None = None
    allowlist: list[Cidr] | None = Field(None, max_length=100)
    max_attempts: int | None = Field(None, ge=1, le=100)


class StageLimit(_Patch):
    """A token bucket: `max_attempts` tokens, one regained every `rate` milliseconds."""

    max_attempts: int | None = Field(None, ge=1, le=100_000)
    rate: int | None = Field(None, ge=1, le=86_400_000)


class ThrottlingStages(_Patch):
    pre_login: StageLimit | None = Field(None, alias="pre-login")
    pre_user_registration: StageLimit | None = Field(None, alias="pre-user-registration")


class SuspiciousIpThrottlingUpdate(_Patch):
    """Auth0 `PATCH /attack-protection/suspicious-ip-throttling`. The only shield is
    `block`: administrators are alerted through the event stream, not by this setting."""

    enabled: bool | None = None
    shields: list[Literal["block"]] | None = Field(None, max_length=1)
    allowlist: list[Cidr] | None = Field(None, max_length=100)
    stage: ThrottlingStages | None = None


class BreachedStage(_Patch):
    shields: list[Literal["block"]] | None = Field(None, max_length=1)


class BreachedStages(_Patch):
    pre_user_registration: BreachedStage | None = Field(None, alias="pre-user-registration")
    pre_change_password: BreachedStage | None = Field(None, alias="pre-change-password")


class BreachedPasswordDetectionUpdate(_Patch):
    """Auth0 `PATCH /attack-protection/breached-password-detection`, mapped onto tier0's
    check of new passwords against the shipped breach list (and Pwned Passwords when the
    deployment enables it). Sign-in itself does not re-check passwords, so the top-level
    `shields` stay empty; the stages say where a breached password is refused."""

    enabled: bool | None = None
    shields: list[Literal["block"]] | None = Field(None, max_length=0)
    method: Literal["standard"] | None = None
    stage: BreachedStages | None = None


RateCell = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[0-9a-z /;]+$")]


class RateLimitsUpdate(BaseModel):
    """`{endpoint class: {scope: limit | null | "default"}}` (tier0 extension)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    limits: dict[EndpointClass, dict[Scope, RateCell | None]] = Field(max_length=20)


def merge(stored: Mapping[str, Any], change: Mapping[str, Any]) -> JsonObject:
    """Deep-merge a PATCH into the stored sparse object; `None` removes a member."""
    out: JsonObject = dict(stored)
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping):
            merged = merge(out.get(key) or {}, value)
            if merged:
                out[key] = merged
            else:
                out.pop(key, None)
        else:
            out[key] = value
    return out


def sent(update: BaseModel) -> JsonObject:
    """The members a request actually sent, by their Auth0 names."""
    return update.model_dump(mode="json", by_alias=True, exclude_unset=True)


@dataclass(frozen=True, slots=True)
class BreachedPasswordPolicy:
    """Where new passwords are checked against the breach list (PW-03 on by default)."""

    enabled: bool = True
    signup: bool = True
    change: bool = True

    def checks(self, stage: Literal["signup", "change"]) -> bool:
        return self.enabled and (self.signup if stage == "signup" else self.change)


@dataclass(frozen=True, slots=True)
class TenantProtection:
    """Every attack-protection policy of one tenant, defaults already applied."""

    brute_force: BruteForcePolicy = field(default_factory=BruteForcePolicy)
    suspicious_ip: SuspiciousIpPolicy = field(default_factory=SuspiciousIpPolicy)
    breached: BreachedPasswordPolicy = field(default_factory=BreachedPasswordPolicy)
    rate_limits: LimitTable = field(default_factory=dict)


def brute_force_policy(default: BruteForcePolicy, stored: Mapping[str, Any]) -> BruteForcePolicy:
    changes: JsonObject = {}
    for name in ("enabled", "max_attempts"):
        if name in stored:
            changes[name] = stored[name]
    if "mode" in stored:
        changes["mode"] = BruteForceMode(stored["mode"])
    if "allowlist" in stored:
        changes["allowlist"] = tuple(stored["allowlist"])
    if "shields" in stored:
        changes["shields"] = frozenset(stored["shields"])
    return replace(default, **changes)


def brute_force_document(policy: BruteForcePolicy) -> JsonObject:
    return {
        "enabled": policy.enabled,
        "shields": sorted(policy.shields),
        "mode": policy.mode.value,
        "allowlist": list(policy.allowlist),
        "max_attempts": policy.max_attempts,
    }


def _stage(default: Stage, stored: Mapping[str, Any] | None) -> Stage:
    stored = stored or {}
    return Stage(
        stored.get("max_attempts", default.max_attempts), stored.get("rate", default.rate_ms)
    )


def suspicious_ip_policy(
    default: SuspiciousIpPolicy, stored: Mapping[str, Any]
) -> SuspiciousIpPolicy:
    stages = stored.get("stage") or {}
    changes: JsonObject = {
        "pre_login": _stage(default.pre_login, stages.get("pre-login")),
        "pre_user_registration": _stage(
            default.pre_user_registration, stages.get("pre-user-registration")
        ),
    }
    if "enabled" in stored:
        changes["enabled"] = stored["enabled"]
    if "allowlist" in stored:
        changes["allowlist"] = tuple(stored["allowlist"])
    if "shields" in stored:
        changes["shields"] = frozenset(stored["shields"])
    return replace(default, **changes)


def suspicious_ip_document(policy: SuspiciousIpPolicy) -> JsonObject:
    def stage(spec: Stage) -> JsonObject:
        return {"max_attempts": spec.max_attempts, "rate": spec.rate_ms}

    return {
        "enabled": policy.enabled,
        "shields": sorted(policy.shields),
        "allowlist": list(policy.allowlist),
        "stage": {
            "pre-login": stage(policy.pre_login),
            "pre-user-registration": stage(policy.pre_user_registration),
        },
    }


def _blocks(stage: Mapping[str, Any] | None, default: bool) -> bool:
    if not stage or "shields" not in stage:
        return default
    return "block" in stage["shields"]


def breached_policy(
    default: BreachedPasswordPolicy, stored: Mapping[str, Any]
) -> BreachedPasswordPolicy:
    stages = stored.get("stage") or {}
    return BreachedPasswordPolicy(
        enabled=stored.get("enabled", default.enabled),
        signup=_blocks(stages.get("pre-user-registration"), default.signup),
        change=_blocks(stages.get("pre-change-password"), default.change),
    )


def breached_document(policy: BreachedPasswordPolicy) -> JsonObject:
    def shields(on: bool) -> JsonObject:
        return {"shields": ["block"] if on else []}

    return {
        "enabled": policy.enabled,
        "shields": [],
        "admin_notification_frequency": [],
        "method": "standard",
        "stage": {
            "pre-user-registration": shields(policy.signup),
            "pre-change-password": shields(policy.change),
        },
    }


def rate_limit_cells(stored: Mapping[str, Any]) -> LimitTable:
    """The stored overrides as a limit table; raises ValueError on a malformed cell."""
    table = {
        EndpointClass(endpoint): {Scope(scope): text for scope, text in cells.items()}
        for endpoint, cells in stored.items()
    }
    parse_table(table)
    return table


def merge_rate_limits(stored: Mapping[str, Any], update: RateLimitsUpdate) -> JsonObject:
    """Apply a rate-limits PATCH: a string sets a cell, `null` switches it off and
    `"default"` removes the override."""
    out: dict[str, dict[str, str | None]] = {k: dict(v) for k, v in stored.items()}
    for endpoint, cells in update.limits.items():
        row = out.setdefault(endpoint.value, {})
        for scope, text in cells.items():
            if text == "default":
                row.pop(scope.value, None)
            else:
                row[scope.value] = text
        if not row:
            out.pop(endpoint.value)
    rate_limit_cells(out)
    return dict(out)


def rate_limit_document(*tables: LimitTable) -> JsonObject:
    """The effective table: later tables override earlier ones cell by cell."""
    out: dict[str, dict[str, str | None]] = {}
    for table in tables:
        for endpoint, cells in table.items():
            row = out.setdefault(EndpointClass(endpoint).value, {})
            for scope, text in cells.items():
                row[Scope(scope).value] = text
    return {"limits": out}
