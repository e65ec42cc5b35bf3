"""``/attack-protection/*``: the tenant's brute-force, suspicious-IP, breached-password and
rate-limit policies (Auth0's attack-protection endpoints; rate limits are a tier0 extension).

GET answers the effective settings (the tenant's stored fields over the deployment's
defaults); PATCH changes only the members sent, validated by the same models the CLI uses,
and is audited with the old and new values (policy settings hold no secret), in the
transaction of the change.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.responses import documented
from tier0.management.schemas.common import Out
from tier0.protection import documents as docs
from tier0.services.protection_policies import Section
from tier0.web.deps import container_of

router = APIRouter(tags=["attack-protection"])
Reader = Annotated[Principal, require("read:attack_protection")]
Writer = Annotated[Principal, require("update:attack_protection")]
PREFIX = "/attack-protection"


class BruteForceProtectionOut(Out):
    enabled: bool
    shields: list[str]
    mode: str
    allowlist: list[str]
    max_attempts: int


class StageOut(Out):
    max_attempts: int
    rate: int = Field(description="Milliseconds per regained attempt.")


class ThrottlingStagesOut(Out):
    pre_login: StageOut = Field(alias="pre-login")
    pre_user_registration: StageOut = Field(alias="pre-user-registration")


class SuspiciousIpThrottlingOut(Out):
    enabled: bool
    shields: list[str]
    allowlist: list[str]
    stage: ThrottlingStagesOut


class BreachedStageOut(Out):
    shields: list[str]


class BreachedStagesOut(Out):
    pre_user_registration: BreachedStageOut = Field(alias="pre-user-registration")
    pre_change_password: BreachedStageOut = Field(alias="pre-change-password")


class BreachedPasswordDetectionOut(Out):
    enabled: bool
    shields: list[str]
    admin_notification_frequency: list[str]
    method: str
    stage: BreachedStagesOut


class RateLimitsOut(Out):
    limits: dict[str, dict[str, str | None]]


async def _show(request: Request, caller: Principal, section: Section) -> dict[str, Any]:
    return await container_of(request).protection_policies.show(caller.tenant, section)


async def _change(
    request: Request, caller: Principal, section: Section, body: BaseModel
) -> dict[str, Any]:
    policies = container_of(request).protection_policies
    by = changed_by(request, caller)
    change = await policies.update(caller.tenant, section, body, by=by)
    return change.after


_ERRORS = documented(400, 401, 403)


@router.get(
    f"{PREFIX}/brute-force-protection", response_model=BruteForceProtectionOut, responses=_ERRORS
)
async def get_brute_force(request: Request, caller: Reader) -> Any:
    """Brute-force protection: block an IP for an identifier after failed sign-ins (BF-01)."""
    return await _show(request, caller, "brute-force-protection")


@router.patch(
    f"{PREFIX}/brute-force-protection", response_model=BruteForceProtectionOut, responses=_ERRORS
)
async def update_brute_force(
    body: docs.BruteForceProtectionUpdate, request: Request, caller: Writer
) -> Any:
    """Change brute-force protection; `null` puts a member back to its default."""
    return await _change(request, caller, "brute-force-protection", body)


@router.get(
    f"{PREFIX}/suspicious-ip-throttling",
    response_model=SuspiciousIpThrottlingOut,
    responses=_ERRORS,
)
async def get_suspicious_ip(request: Request, caller: Reader) -> Any:
    """Suspicious-IP throttling: per-IP buckets of failed sign-ins and of sign-ups."""
    return await _show(request, caller, "suspicious-ip-throttling")


@router.patch(
    f"{PREFIX}/suspicious-ip-throttling",
    response_model=SuspiciousIpThrottlingOut,
    responses=_ERRORS,
)
async def update_suspicious_ip(
    body: docs.SuspiciousIpThrottlingUpdate, request: Request, caller: Writer
) -> Any:
    """Change suspicious-IP throttling; `null` puts a member back to its default."""
    return await _change(request, caller, "suspicious-ip-throttling", body)


@router.get(
    f"{PREFIX}/breached-password-detection",
    response_model=BreachedPasswordDetectionOut,
    responses=_ERRORS,
)
async def get_breached_password(request: Request, caller: Reader) -> Any:
    """Breached-password detection: new passwords checked against the breach list."""
    return await _show(request, caller, "breached-password-detection")


@router.patch(
    f"{PREFIX}/breached-password-detection",
    response_model=BreachedPasswordDetectionOut,
    responses=_ERRORS,
)
async def update_breached_password(
    body: docs.BreachedPasswordDetectionUpdate, request: Request, caller: Writer
) -> Any:
    """Change where breached passwords are refused; `null` puts a member back to default."""
    return await _change(request, caller, "breached-password-detection", body)


@router.get(f"{PREFIX}/rate-limits", response_model=RateLimitsOut, responses=_ERRORS)
async def get_rate_limits(request: Request, caller: Reader) -> Any:
    """The tenant's effective request rate limits (docs/rate-limits.md), `null` = off."""
    return await _show(request, caller, "rate-limits")


@router.patch(f"{PREFIX}/rate-limits", response_model=RateLimitsOut, responses=_ERRORS)
async def update_rate_limits(body: docs.RateLimitsUpdate, request: Request, caller: Writer) -> Any:
    """Override cells: a limit string sets one, `null` switches it off, `"default"` removes
    the override."""
    return await _change(request, caller, "rate-limits", body)
