"""What the sign-in page needs to offer a passwordless passkey (a tenant setting)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from tier0.domain import Tenant
from tier0.login.factors import FactorSteps
from tier0.web.deps import container_of
from tier0.web.login_http import csrf_for

__all__ = ["PASSKEY_LOGIN_FORM", "passwordless_fields"]

PASSKEY_LOGIN_FORM = "passkey-login"


async def passwordless_fields(request: Request, tenant: Tenant, binding: str) -> dict[str, Any]:
    """Template values for the "Sign in with a passkey" form, or nothing when the tenant
    does not allow passwordless sign-in."""
    factors: FactorSteps | None = container_of(request).login.factors
    ceremony = await factors.passwordless(tenant, binding) if factors is not None else None
    if ceremony is None:
        return {}
    return {
        "passkey": ceremony,
        "passkey_action": f"/t/{tenant.name}/login/passkey",
        "passkey_csrf": await csrf_for(request, tenant, binding, PASSKEY_LOGIN_FORM),
    }
