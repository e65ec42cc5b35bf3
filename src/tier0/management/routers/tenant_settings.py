"""``/tenants/settings``: the tenant's own settings (Auth0 tenant settings)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from tier0.container import Container
from tier0.domain import Tenant
from tier0.login.account_policy import account_switches, with_account_switches
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.routing import action, listing
from tier0.management.schemas.common import Name, Out, Strict
from tier0.management.scopes import management_audience
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["tenants"])


class TenantSettingsUpdate(Strict):
    friendly_name: Name | None = None
    signup_enabled: bool | None = None
    """Self-service sign-up on the universal login (off by default)."""
    email_verification_required: bool | None = None
    """A sign-in completes only once the user's email address is verified."""


class TenantSettingsOut(Out):
    """`issuer` and `management_api` follow from the deployment's public URL; read-only."""

    name: str
    friendly_name: str
    issuer: str
    management_api: str
    created_at: str | None
    signup_enabled: bool
    email_verification_required: bool


def _view(container: Container, tenant: Tenant) -> dict[str, Any]:
    issuer = container.settings.tenant_base_url(tenant.name)
    return {
        "name": tenant.name,
        "friendly_name": tenant.display_name,
        "issuer": issuer,
        "management_api": management_audience(issuer),
        "created_at": iso(tenant.created_at),
        **account_switches(tenant),
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
    """Change the tenant's display name and its sign-up and email-verification switches."""
    container = container_of(request)
    by = changed_by(request, caller)
    tenant = caller.tenant
    if body.friendly_name is not None:
        tenant = await container.tenants.rename(tenant, body.friendly_name, by=by)
    if body.signup_enabled is not None or body.email_verification_required is not None:
        settings = with_account_switches(
            tenant.settings,
            signup=body.signup_enabled,
            require_verified_email=body.email_verification_required,
        )
        tenant = await container.tenants.update_settings(tenant, settings, by=by)
    return _view(container, tenant)
