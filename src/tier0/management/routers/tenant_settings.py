"""``/tenants/settings``: the tenant's own settings (Auth0 tenant settings)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from tier0.container import Container
from tier0.domain import Tenant
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.routing import action, listing
from tier0.management.schemas.common import Name, Out, Strict
from tier0.management.scopes import management_audience
from tier0.services.tenant_settings import TenantSettingsChange
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["tenants"])

#: Auth0's unit: hours, fractions allowed (0.5 is 30 minutes). Strict: no strings, no
#: booleans, no NaN; the range is checked against the deployment's limits (SE-03).
Hours = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
SigningAlgName = Literal["RS256", "ES256", "PS256", "EdDSA"]


class TenantSettingsUpdate(Strict):
    friendly_name: Name | None = None
    signup_enabled: bool | None = None
    """Self-service sign-up on the universal login (off by default)."""
    email_verification_required: bool | None = None
    """A sign-in completes only once the user's email address is verified."""
    idle_session_lifetime: Hours | None = None
    """Hours a sign-in session may go unused before it ends (SE-03)."""
    session_lifetime: Hours | None = None
    """Hours after sign-in at which a session ends, however active (SE-03)."""
    default_signing_alg: SigningAlgName | None = None
    """Signs the tokens no API or application chose an algorithm for (JW-01)."""


class TenantSettingsOut(Out):
    """`issuer` and `management_api` follow from the deployment's public URL; read-only."""

    name: str
    friendly_name: str
    issuer: str
    management_api: str
    created_at: str | None
    signup_enabled: bool
    email_verification_required: bool
    idle_session_lifetime: float
    session_lifetime: float
    default_signing_alg: str
    default_signing_alg_from: str | None
    """When a newly chosen `default_signing_alg` starts signing: once its key has been in
    the JWKS for `TIER0_JWKS_CACHE_TTL` (JW-04); the previous algorithm signs until then."""


def _view(container: Container, tenant: Tenant) -> dict[str, Any]:
    issuer = container.settings.tenant_base_url(tenant.name)
    return {
        "name": tenant.name,
        "friendly_name": tenant.display_name,
        "issuer": issuer,
        "management_api": management_audience(issuer),
        "created_at": iso(tenant.created_at),
        **container.tenant_settings.view(tenant),
    }


@listing(router, "/tenants/settings", TenantSettingsOut)
async def get_settings(
    request: Request, caller: Annotated[Principal, require("read:tenant_settings")]
) -> Any:
    """The tenant's settings."""
    return _view(container_of(request), caller.tenant)


@action(router, "PATCH", "/tenants/settings", TenantSettingsOut)
async def update_settings(
    body: TenantSettingsUpdate,
    request: Request,
    caller: Annotated[Principal, require("update:tenant_settings")],
) -> Any:
    """Change the tenant's display name, its sign-up and email-verification switches, its
    session timeouts and its default signing algorithm."""
    container = container_of(request)
    by = changed_by(request, caller)
    tenant = caller.tenant
    change = TenantSettingsChange(
        signup=body.signup_enabled,
        require_verified_email=body.email_verification_required,
        idle_session_lifetime=body.idle_session_lifetime,
        session_lifetime=body.session_lifetime,
        default_signing_alg=body.default_signing_alg,
    )
    # Validate every setting before changing any (one bad field changes nothing).
    container.tenant_settings.settings_after(tenant, change)
    if body.friendly_name is not None:
        tenant = await container.tenants.rename(tenant, body.friendly_name, by=by)
    tenant = await container.tenant_settings.update(tenant, change, by=by)
    if body.default_signing_alg is not None:
        container.oauth.keys.forget(tenant.id)  # this node publishes a new key at once
    return _view(container, tenant)
